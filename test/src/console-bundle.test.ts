// The console's build: the first page load's compressed JavaScript, recomputed from the built
// index.html, is the figure the build printed and under 300 KB; nothing comes from elsewhere.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './support/repo.js';

const dist = join(repoRoot, 'packages/console/dist');
const skip = existsSync(join(dist, 'index.html'))
  ? false
  : 'the console is not built (scripts/setup builds it: npm run build -w @cellar/console)';
const LIMIT = 300 * 1024;

/** The scripts index.html loads before the page runs: its module entry and modulepreloads. */
function firstLoadScripts(html: string): string[] {
  const found = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1] ?? '');
  return [...new Set(found)];
}

test(
  'the first page load is under 300 KB of gzip-compressed JavaScript, as the build printed',
  { skip },
  async () => {
    const html = await readFile(join(dist, 'index.html'), 'utf8');
    const scripts = firstLoadScripts(html);
    assert.ok(scripts.length > 0, `index.html names no script:\n${html}`);
    let total = 0;
    for (const src of scripts) {
      assert.match(src, /^\/dashboard\/assets\//, `${src} is not one of the console's own files`);
      const code = await readFile(join(dist, src.slice('/dashboard/'.length)));
      total += gzipSync(code, { level: 9 }).length;
    }
    const printed = JSON.parse(await readFile(join(dist, 'bundle-size.json'), 'utf8')) as {
      first_load_js_gzip_bytes: number;
    };
    assert.equal(printed.first_load_js_gzip_bytes, total, 'the build printed another figure');
    assert.ok(total < LIMIT, `the first page load is ${total} bytes of compressed JavaScript`);
  },
);

test('the built console fetches nothing from another origin', { skip }, async () => {
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'index.html loads from another origin');
});
