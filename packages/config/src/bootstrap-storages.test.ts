// Start-up with backup storage plugins installed: [DEFAULT] backup_storage must name one, and every
// installed storage's [backup_storage_<name>] section validates on the server side only.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineBackupStorageOptions, defineDatastoreOptions, opt } from '@cellar/plugin-api';
import { createPluginRegistry, type InMemoryPlugin } from '@cellar/plugins';
import { backupStorageDefaults } from './bootstrap-storages.js';
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { generateSample } from './sample.js';
import { renderConfig } from './show.js';

function storage(name: string, options: InMemoryPlugin['modules'][string]): InMemoryPlugin {
  return {
    package: `@example/backup-storage-${name}`,
    cellar: {
      plugin: 1,
      kind: 'backup-storage',
      name,
      entryPoints: {
        'cellar.backup.storage.options': './options',
        'cellar.backup.storage': './storage',
      },
    },
    modules: { './options': options, './storage': new Error('the driver is not needed here') },
  };
}

/** A datastore for guests to run, with nothing in its groups. */
const datastore: InMemoryPlugin = {
  package: '@example/datastore-none',
  cellar: {
    plugin: 1,
    kind: 'datastore',
    name: 'none',
    entryPoints: { 'cellar.datastore.options': './options' },
  },
  modules: { './options': defineDatastoreOptions({ name: 'none', server: {}, guest: {} }) },
};

const plugins = (...more: InMemoryPlugin[]) =>
  createPluginRegistry({
    plugins: [
      ...more,
      storage(
        'local',
        defineBackupStorageOptions({
          name: 'local',
          options: { path: opt.str({ help: 'Where.', default: '/var/lib/cellar/backups' }) },
        }),
      ),
      storage(
        'swift',
        defineBackupStorageOptions({
          name: 'swift',
          options: {
            auth_url: opt.str({ help: 'Keystone.' }),
            key: opt.str({ help: 'The secret.', default: '', secret: true }),
            segment_size: opt.int({ help: 'Bytes.', default: 64, min: 5 }),
          },
        }),
      ),
      storage('broken', new Error('cannot find module "aws"')),
    ],
  });

async function start(conf: string, side: BootstrapOptions['side'] = 'server', host = plugins()) {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-bkcfg-'));
  try {
    const file = join(dir, 'cellar.conf');
    await writeFile(file, conf);
    return await bootstrap({
      side,
      plugins: host,
      appRoot: dir,
      configFiles: [file],
      env: {},
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('backup_storage defaults to local and every installed storage section is read', async () => {
  const result = await start('[backup_storage_swift]\nauth_url = http://k\nkey = s3cr3t\n');
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.config.group(backupStorageDefaults).backup_storage, 'local');
  assert.equal(result.config.values('backup_storage_swift')['key'], 's3cr3t');
  assert.equal(result.config.values('backup_storage_local')['path'], '/var/lib/cellar/backups');
  const shown = renderConfig(result.config, result.registry, false);
  assert.match(shown, /\[backup_storage_swift\][^[]*key = \*\*\*\*/);
  assert.doesNotMatch(shown, /s3cr3t/);
  assert.ok(result.notices.some((n) => n.includes('not chosen') && n.includes('broken')));
});

test('the server sample shows every storage group with secrets masked; the guest sample no group', async () => {
  const result = await start('');
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const server = generateSample(result.registry, 'server');
  assert.match(server, /^#backup_storage = local$/m);
  assert.match(server, /^\[backup_storage_local\]$/m);
  assert.match(server, /^\[backup_storage_swift\]$[^[]*^#key = \*\*\*\*$/m);
  const guest = generateSample(result.registry, 'guest');
  assert.doesNotMatch(guest, /^\[backup_storage_/m);
  assert.match(guest, /^#backup_storage = <None>$/m);
});

test('a backup_storage that is not installed stops start-up naming the installed ones', async () => {
  const result = await start('[DEFAULT]\nbackup_storage = swfit\n');
  assert.equal(result.ok, false);
  const text = result.ok ? '' : result.problems.join('\n');
  assert.match(
    text,
    /backup-storage 'swfit' is named by \[DEFAULT\] backup_storage but not installed/,
  );
  assert.match(text, /installed: local \(@example\/backup-storage-local@0\.0\.0\), swift/);
  assert.match(text, /did you mean 'swift'\?/);
});

test('a deployment without storages starts when backup_storage is left unset, with a note', async () => {
  const none = () => createPluginRegistry({ plugins: [] });
  const unset = await start('', 'server', none());
  assert.ok(unset.ok, JSON.stringify(!unset.ok && unset.problems));
  assert.ok(unset.notices.some((n) => /backups are refused until a storage is installed/.test(n)));
  const set = await start('[DEFAULT]\nbackup_storage = local\n', 'server', none());
  assert.equal(set.ok, false);
  assert.match(set.ok ? '' : set.problems.join('\n'), /'local' is named by .* installed: none/);
});

test('the chosen storage whose options do not load stops start-up', async () => {
  const result = await start('[DEFAULT]\nbackup_storage = broken\n');
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problems.join('\n'), /cannot find module "aws"/);
});

test("a bad value in a storage's section is a configuration error naming it", async () => {
  const result = await start('[backup_storage_swift]\nsegment_size = 1\n');
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? '' : result.problems.join('\n'),
    /\[backup_storage_swift\] segment_size/,
  );
});

const guestConf =
  '[DEFAULT]\nguest_id = 0123456789abcdef\ndatastore_manager = none\nproject_id = p1\n';

test('a guest reads the section of the storage its backup_storage names, and only that one', async () => {
  const result = await start(
    `${guestConf}backup_storage = swift\n[backup_storage_swift]\nauth_url = http://k\nkey = s3cr3t\n`,
    'guest',
    plugins(datastore),
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.config.values('backup_storage_swift')['key'], 's3cr3t');
  assert.equal(result.config.values('DEFAULT')['project_id'], 'p1');
  const other = await start(
    `${guestConf}backup_storage = swift\n[backup_storage_local]\npath = /x\n`,
    'guest',
    plugins(datastore),
  );
  assert.match(
    other.ok ? '' : other.problems.join('\n'),
    /unknown section \[backup_storage_local\]/,
  );
});

test('a guest whose backup_storage it does not carry stops start-up naming the ones it carries', async () => {
  const result = await start(`${guestConf}backup_storage = s3\n`, 'guest');
  assert.match(
    result.ok ? '' : result.problems.join('\n'),
    /backup-storage 's3' is named by \[DEFAULT\] backup_storage but this guest does not carry it; carried: local, swift, broken/,
  );
});

test('storage sections are not options of a guest that names no storage', async () => {
  const result = await start(
    '[DEFAULT]\nguest_id = 0123456789abcdef\ndatastore_manager = none\n[backup_storage_local]\npath = /x\n',
    'guest',
  );
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? '' : result.problems.join('\n'),
    /unknown section \[backup_storage_local\]/,
  );
});
