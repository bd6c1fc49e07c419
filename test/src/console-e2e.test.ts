// The console end to end in Debian's chromium against a local Cellar with real PostgreSQL
// instances: sign-in (and its refusal), create, watch ACTIVE arrive, connect with the copied
// command, the other pages, delete; axe-core and both widths on every page, screenshots kept.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { localCellarOfFile, PASSWORD } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import {
  launch,
  noChromium,
  overflowsSideways,
  screenshotDir,
  seriousViolations,
  shoot,
} from './support/console-browser.js';

const skip = noPostgresql || noChromium;
const local = localCellarOfFile(skip);
let browser: Browser | undefined;
let page: Page;
let instanceId = '';

before(async () => {
  if (skip) return;
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  page = await context.newPage();
  console.log(`Screenshots of the console go to ${screenshotDir}`);
});
after(async () => {
  await browser?.close();
});

/** Screenshots at 1440 and 375 px, no serious axe-core finding, no sideways scroll at 375. */
async function checkPage(name: string): Promise<void> {
  for (const width of [1440, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await shoot(page, `${name}-${width}`);
    assert.deepEqual(await seriousViolations(page), [], `axe-core on ${name} at ${width} px`);
    if (width === 375) assert.equal(await overflowsSideways(page), false, `${name} at 375 px`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('a wrong password is refused and the sign-in page says why', { skip }, async () => {
  await page.goto(`http://127.0.0.1:${local.port}/dashboard/`);
  await checkPage('sign-in');
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  assert.match((await alert.textContent()) ?? '', /user name or password is wrong/);
  await checkPage('sign-in-refused');
});

test('signing in with the keyboard alone shows the instances page', { skip }, async () => {
  await page.getByLabel('User name').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Instances' }).waitFor({ timeout: 10_000 });
  await checkPage('instances-empty');
});

test(
  'an instance created with a database and a user reaches ACTIVE without a reload',
  { skip },
  async () => {
    let loads = 0;
    page.on('load', () => loads++);
    await page.getByRole('link', { name: 'Create instance' }).click();
    await page.getByLabel('Name', { exact: true }).fill('web');
    await page.getByLabel('Datastore').selectOption('postgresql');
    await page.getByLabel('Version').selectOption(local.version);
    await page.getByLabel('Flavor').selectOption('2');
    await page.getByLabel('Databases (comma-separated)').fill('appdb');
    await page.getByLabel('User 1 name').fill('app');
    await page.getByLabel('User 1 password').fill('app-Secret-1');
    await page.getByLabel('User 1 databases').fill('appdb');
    await checkPage('create-instance');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    instanceId = page.url().split('/').at(-1) ?? '';
    await shoot(page, 'instance-building');
    await page.locator('#instance-status', { hasText: 'ACTIVE' }).waitFor({ timeout: 240_000 });
    await page
      .locator('#instance-operating-status', { hasText: 'HEALTHY' })
      .waitFor({ timeout: 120_000 });
    const create = page.locator('.operation', { hasText: 'create' }).first();
    await create.locator('.badge', { hasText: 'succeeded' }).first().waitFor({ timeout: 30_000 });
    assert.equal(loads, 0, 'the page was reloaded');
    assert.match((await create.textContent()) ?? '', /\d+(\.\d)? s/, 'no step duration shown');
  },
);

test(
  'the connection command the page shows and copies runs in psql as the new user',
  { skip },
  async () => {
    const command = page.locator('#connection-command');
    await page.locator('#connection-command', { hasText: 'app@' }).waitFor({ timeout: 30_000 });
    const text = (await command.textContent()) ?? '';
    assert.match(text, /^psql "postgresql:\/\/app@[0-9.]+:5432\/appdb"$/);
    await page.getByRole('button', { name: 'Copy command' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), text);
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-c', `${text} -X -tA -c 'SELECT current_user, current_database()'`],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          PGPASSWORD: 'app-Secret-1',
          PGCONNECT_TIMEOUT: '5',
        },
      },
    );
    assert.equal(stdout.trim(), 'app|appdb');
    await page.getByRole('heading', { name: 'Databases' }).waitFor();
    assert.ok(
      await page
        .getByRole('listitem')
        .filter({ hasText: /^appdb$/ })
        .count(),
    );
    await checkPage('instance');
  },
);

test('the backups, configuration groups and datastores pages show', { skip }, async () => {
  for (const [link, name] of [
    ['Backups', 'backups'],
    ['Configuration groups', 'configurations'],
    ['Datastores', 'datastores'],
  ] as const) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('heading', { name: link, level: 1 }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached', timeout: 10_000 });
    await checkPage(name);
  }
  assert.ok(await page.getByRole('heading', { name: 'postgresql' }).count());
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.getByRole('link', { name: 'web', exact: true }).waitFor({ timeout: 10_000 });
  await checkPage('instances');
});

test('deleting the instance needs its name typed, and it leaves the list', { skip }, async () => {
  await page.getByRole('link', { name: 'web', exact: true }).click();
  const remove = page.getByRole('button', { name: 'Delete instance' });
  assert.equal(await remove.isDisabled(), true, 'delete allowed without the typed name');
  await page.getByLabel(/to delete this instance/).fill('web');
  await remove.click();
  await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor({ timeout: 10_000 });
  await page
    .getByRole('link', { name: 'web', exact: true })
    .waitFor({ state: 'detached', timeout: 120_000 });
  await local.session.untilInstance(instanceId, (i) => 'gone' in i, 'deleted', 60, 250);
});
