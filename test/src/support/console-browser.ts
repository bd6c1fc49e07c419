// Debian's chromium driven through playwright-core for the console's end-to-end test (no
// browser download): a page at a width, axe-core's serious and critical findings, screenshots.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const noChromium: string | false = existsSync(CHROMIUM)
  ? false
  : `Debian's chromium is not installed at ${CHROMIUM} (scripts/test installs it)`;

/** Where the screenshots go: CELLAR_CONSOLE_SCREENSHOTS, else a fixed folder under the temp dir. */
export const screenshotDir =
  process.env['CELLAR_CONSOLE_SCREENSHOTS'] ?? join(tmpdir(), 'cellar-console-screenshots');

export async function launch(): Promise<Browser> {
  await mkdir(screenshotDir, { recursive: true });
  // Root has no user namespace sandbox to offer chromium; the pages are Cellar's own.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

export async function shoot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Finding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Finding[]> {
  // Evaluated through the debugging protocol, which the page's content policy does not govern.
  await page.evaluate(await axeSource);
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')) }));
  })()`);
}

/** Whether the page is wider than the window (text cut off or a sideways scroll at 375 px). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth > window.innerWidth + 1');
}
