// The console end to end in Debian's chromium against a local Cellar with real PostgreSQL
// instances: sign-in (and its refusal), create, watch ACTIVE arrive, connect with the copied
// command, the other pages, delete; axe-core and both widths on every page, screenshots kept.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, PASSWORD } from './support/local-cellar.js';
import { waitFor } from './support/wait-for.js';
import { noPostgresql, psql } from './support/local-postgresql.js';
import {
  launch,
  noChromium,
  overflowsSideways,
  screenshotDir,
  seriousViolations,
  shoot,
} from './support/console-browser.js';

const skip = noPostgresql || noChromium;
// WAL archiving on, so the create form has a recoverable window to show for a restore.
const local = localCellarOfFile(skip, ['postgresql.wal_archiving=true']);
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

/** A test in the browser; when it fails, a screenshot of the page as it was then. */
function browserTest(name: string, body: () => Promise<void>): void {
  test(name, { skip }, async () => {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      const path = await shoot(page, `failed-${slug}`).catch(() => 'none');
      console.error(`screenshot of the failure: ${path}`);
      throw error;
    }
  });
}

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

browserTest('a wrong password is refused and the sign-in page says why', async () => {
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

browserTest('signing in with the keyboard alone shows the instances page', async () => {
  await page.getByLabel('User name').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Instances' }).waitFor({ timeout: 10_000 });
  // The project's event stream takes the session cookie: changes arrive without polling.
  await page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 10_000 });
  await checkPage('instances-empty');
});

browserTest(
  'an instance created with a database and a user reaches ACTIVE without a reload',
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
    // The API's own rules decide, and its refusal is shown as it words it.
    await page.getByLabel(/Allowed CIDRs/).fill('not-a-cidr');
    await page.getByRole('button', { name: 'Create instance' }).click();
    const refusal = page.locator('#create-error');
    await refusal.waitFor({ timeout: 10_000 });
    assert.match((await refusal.textContent()) ?? '', /allowed_cidrs/);
    await checkPage('create-instance-refused');
    await page.getByLabel(/Allowed CIDRs/).fill('127.0.0.0/8');
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

browserTest(
  'the connection command the page shows and copies runs in psql as the new user',
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

browserTest('a user added on the instance page connects with psql', async () => {
  await page.getByLabel('New user').fill('second');
  await page.getByLabel('Password', { exact: true }).fill('second-Secret-2');
  await page.getByLabel('Databases (comma-separated)').fill('appdb');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page
    .getByRole('listitem')
    .filter({ hasText: /^second/ })
    .waitFor({ timeout: 30_000 });
  const address = /@([0-9.]+):/.exec((await page.locator('#connection-uri').textContent()) ?? '');
  const second = await psql(address?.[1] ?? '', 'second', 'second-Secret-2', 'appdb', 'SELECT 1');
  assert.deepEqual(second, { ok: true, out: '1' });
});

browserTest(
  'the general log enabled and published on the instance page shows a statement run in psql',
  async () => {
    const general = page.getByRole('row', { name: /^general / });
    await page.getByRole('button', { name: 'Enable the general log' }).click();
    await general.locator('.log-status', { hasText: /^Enabled$/ }).waitFor({ timeout: 30_000 });
    const address = /@([0-9.]+):/.exec((await page.locator('#connection-uri').textContent()) ?? '');
    const marker = `console_log_marker_${Date.now()}`;
    const ran = await psql(
      address?.[1] ?? '',
      'app',
      'app-Secret-1',
      'appdb',
      `SELECT '${marker}'`,
    );
    assert.deepEqual(ran, { ok: true, out: marker });
    const published = page.getByRole('region', { name: /^Published general log/ });
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Publish the general log' }).click();
        await page.getByRole('button', { name: 'Show the general log' }).click();
        await published.waitFor({ timeout: 10_000 });
        return ((await published.textContent()) ?? '').includes(marker);
      },
      { timeout: 60_000, interval: 2_000, what: 'the marker statement in the published log' },
    );
    assert.notEqual(await general.locator('td').nth(2).textContent(), '0', 'nothing published');
    await checkPage('instance-logs');
  },
);

browserTest(
  'root enabled on the instance page connects, and the volume grows to 2 GB',
  async () => {
    await page.getByRole('button', { name: 'Enable root' }).click();
    const password = (await page.locator('#root-password').textContent({ timeout: 30_000 })) ?? '';
    const name = (await page.locator('#root-name').textContent()) ?? '';
    const address = /@([0-9.]+):/.exec((await page.locator('#connection-uri').textContent()) ?? '');
    const root = await psql(address?.[1] ?? '', name, password, 'postgres', 'SELECT 1');
    assert.deepEqual(root, { ok: true, out: '1' });
    await page.getByLabel('Volume size (GB)').fill('2');
    await page.getByRole('button', { name: 'Resize' }).click();
    await page.getByText(/GB used of 2 GB/).waitFor({ timeout: 120_000 });
    await page.locator('#instance-status', { hasText: /^ACTIVE$/ }).waitFor({ timeout: 60_000 });
  },
);

browserTest(
  'a configuration group made on its page is previewed, then attached, on the instance page',
  async () => {
    await page.getByRole('link', { name: 'Configuration groups', exact: true }).click();
    await page.getByLabel('Group name').fill('tuned');
    await page.getByLabel('Datastore and version').selectOption(`postgresql\u0000${local.version}`);
    await page.getByLabel('Values (JSON)').fill('{"max_connections": 150}');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'tuned' }).waitFor({ timeout: 10_000 });
    await checkPage('configurations');
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.getByLabel('Configuration group').selectOption({ label: 'tuned' });
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const diff = page.getByRole('table', { name: 'What attaching would change' });
    await diff.waitFor({ timeout: 10_000 });
    assert.match((await diff.textContent()) ?? '', /max_connections.*150/);
    await shoot(page, 'configuration-preview-1440');
    await page.getByRole('button', { name: 'Attach' }).click();
    await page.getByText('Attached: tuned').waitFor({ timeout: 30_000 });
    // max_connections takes a restart: the page says so, and the restart applies it.
    await page.locator('#instance-status', { hasText: 'RESTART_REQUIRED' }).waitFor();
    await page.getByText('waits for a restart').waitFor();
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.locator('.operation', { hasText: 'restart' }).first().waitFor({ timeout: 10_000 });
    await page.locator('#instance-status', { hasText: /^ACTIVE$/ }).waitFor({ timeout: 120_000 });
  },
);

/** Whether the metrics route answers points for the instance yet (its guest beats each second). */
async function metricsWithPoints(): Promise<boolean> {
  const res = await local.api('GET', `/instances/${instanceId}/metrics?minutes=60`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const series = ((res.json['metrics'] as Json | undefined)?.['series'] ?? []) as Json[];
  return series.some((x) => ((x['points'] as unknown[] | undefined) ?? []).length > 0);
}

browserTest('the instance page plots the metrics the API answers', async () => {
  await waitFor(metricsWithPoints, {
    timeout: 150_000,
    interval: 2_000,
    what: 'metrics points for the instance',
  });
  await page.getByRole('link', { name: 'All instances' }).click();
  await page.getByRole('link', { name: 'web', exact: true }).click();
  const plot = page.locator('figure.metric canvas').first();
  await plot.waitFor({ timeout: 30_000 });
  const captions = await page.locator('figure.metric figcaption').allTextContents();
  assert.ok(
    captions.some((c) => /^connections \(count\): now \d/.test(c)),
    captions.join('; '),
  );
  await checkPage('instance-metrics');
});

browserTest(
  'a backup taken on the instance page completes and restores into a new instance',
  async () => {
    const address = /@([0-9.]+):/.exec((await page.locator('#connection-uri').textContent()) ?? '');
    await page.getByRole('button', { name: 'Take a backup' }).click();
    await page.getByText('Backup started').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Backups', exact: true }).click();
    const restore = page.getByRole('link', { name: /^Restore web-/ });
    await restore.waitFor({ timeout: 180_000 });
    // A commit after the backup, then about 20 MB of WAL closing its segment: the archive opens a
    // window after the backup. Each table is one commit.
    for (const pad of ['wal_pad_1', 'wal_pad_2']) {
      const wal = `CREATE TABLE ${pad} AS SELECT repeat('x', 1000) FROM generate_series(1, 20000)`;
      assert.equal((await psql(address?.[1] ?? '', 'app', 'app-Secret-1', 'appdb', wal)).ok, true);
    }
    await checkPage('backups');
    await restore.click();
    await page.getByLabel('Name', { exact: true }).fill('web-restored');
    assert.equal(await page.getByLabel('Datastore').inputValue(), 'postgresql');
    assert.equal(await page.getByLabel('Version').inputValue(), local.version);
    await page.getByLabel('Flavor').selectOption('2');
    // The source's recoverable window is shown, and a time before it is refused by the API.
    const span = page.getByRole('list', { name: 'Recoverable window' }).getByRole('listitem');
    assert.match((await span.first().textContent({ timeout: 150_000 })) ?? '', /^20\S+ to 20\S+$/);
    await page.getByLabel(/^Restore to a point in time/).fill('2000-01-01T00:00:00Z');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.locator('#create-error', { hasText: /window/ }).waitFor({ timeout: 10_000 });
    await checkPage('create-point-in-time-refused');
    await page.getByLabel(/^Restore to a point in time/).fill('');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const restored = page.url().split('/').at(-1) ?? '';
    await page.locator('#instance-status', { hasText: 'ACTIVE' }).waitFor({ timeout: 240_000 });
    await deleteOnPage('web-restored');
    await local.session.untilInstance(restored, (i) => 'gone' in i, 'deleted', 90, 250);
  },
);

browserTest(
  'a replica made in the create form follows its source, shown on both pages',
  async () => {
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await page.getByRole('link', { name: 'Create instance' }).click();
    await page.getByLabel('Name', { exact: true }).fill('web-replica');
    await page.getByLabel(/^Replica of/).selectOption({ label: 'web' });
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const replica = page.url().split('/').at(-1) ?? '';
    await page.locator('#instance-status', { hasText: /^ACTIVE$/ }).waitFor({ timeout: 240_000 });
    const following = page.locator('p', { hasText: 'Replica of web' });
    await following.waitFor({ timeout: 30_000 });
    await checkPage('replica');
    await following.getByRole('link', { name: 'web', exact: true }).click();
    const replicas = page.getByRole('list', { name: 'Replicas' });
    await replicas.waitFor({ timeout: 30_000 });
    // A source that still reports is not ejected: the page shows the API's reason.
    await page.getByRole('button', { name: 'Eject replica source' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /reported \d+ s ago.*it is not gone/ })
      .waitFor();
    await replicas.getByRole('link', { name: 'web-replica' }).click({ timeout: 30_000 });
    await page.locator('p', { hasText: 'Replica of web' }).waitFor({ timeout: 10_000 });
    await deleteOnPage('web-replica');
    await local.session.untilInstance(replica, (i) => 'gone' in i, 'deleted', 90, 250);
  },
);

browserTest('a backup deleted on the backups page, once confirmed, leaves the list', async () => {
  await page.getByRole('link', { name: 'Backups', exact: true }).click();
  const remove = page.getByRole('button', { name: /^Delete web-/ }).first();
  const name = ((await remove.getAttribute('aria-label', { timeout: 10_000 })) ?? '').slice(7);
  await remove.click();
  const confirm = page.getByRole('group', { name: `Confirm deleting ${name}` });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByRole('rowheader', { name, exact: true }).count(), 1);
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await checkPage('backup-delete-confirm');
  await confirm.getByRole('button', { name: 'Delete backup' }).click();
  await page
    .getByRole('rowheader', { name, exact: true })
    .waitFor({ state: 'detached', timeout: 60_000 });
});

browserTest('the datastores and the quotas and limits pages show', async () => {
  await page.getByRole('link', { name: 'Datastores', exact: true }).click();
  await page.getByRole('heading', { name: 'Datastores', level: 1 }).waitFor();
  await page.getByRole('status').waitFor({ state: 'detached', timeout: 10_000 });
  await checkPage('datastores');
  await page.getByText(`Parameters of postgresql ${local.version}`).click();
  await page.getByLabel(/^Filter the \d+ parameters of postgresql/).fill('max_connections');
  const row = page.getByRole('row', { name: /^max_connections / });
  await row.waitFor({ timeout: 10_000 });
  assert.match((await row.textContent()) ?? '', /needed$/);
  await checkPage('datastore-parameters');
  assert.ok(await page.getByRole('heading', { name: 'postgresql' }).count());
  await page.getByRole('link', { name: 'Quotas and limits', exact: true }).click();
  await page.getByRole('heading', { name: 'Request rates' }).waitFor({ timeout: 10_000 });
  assert.match((await page.locator('main').textContent()) ?? '', /Instances1 of (\d+|unlimited)/);
  await checkPage('limits');
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.getByRole('link', { name: 'web', exact: true }).waitFor({ timeout: 10_000 });
  await checkPage('instances');
});

/** Deletes the instance whose page is shown by typing its name; waits for it to leave the list. */
async function deleteOnPage(name: string): Promise<void> {
  const remove = page.getByRole('button', { name: 'Delete instance' });
  assert.equal(await remove.isDisabled(), true, 'delete allowed without the typed name');
  await page.getByLabel(/to delete this instance/).fill(name);
  await remove.click();
  await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor({ timeout: 10_000 });
  await page
    .getByRole('link', { name, exact: true })
    .waitFor({ state: 'detached', timeout: 120_000 });
}

browserTest('deleting the instance needs its name typed, and it leaves the list', async () => {
  await page.getByRole('link', { name: 'web', exact: true }).click();
  await deleteOnPage('web');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Cellar' }).waitFor({ timeout: 10_000 });
  await local.session.untilInstance(instanceId, (i) => 'gone' in i, 'deleted', 60, 250);
});
