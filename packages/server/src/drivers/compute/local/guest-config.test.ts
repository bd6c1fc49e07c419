// The files the local driver injects for a guest: the instance's project in guest_info.conf, the
// chosen backup storage and its section (from the server's configuration) in cellar-guest.conf,
// no other storage's, and both files readable by the guest alone.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bootstrap, guestStorageSection } from '@cellar/config';
import { findAppRoot } from '@cellar/plugins';
import { writeGuestConfig } from './guest-config.js';

const guest = {
  instanceId: '4f1c2b7e-0000-4000-8000-0000000000c1',
  name: 'with-backups',
  datastore: 'postgresql',
  datastoreVersion: '15',
  project: 'p-guest-config',
  instanceKey: 'k'.repeat(32),
  tcpPorts: [5432],
};

/** The deployment's server configuration with both the local and the swift storage configured. */
async function serverConfig(chosen: string) {
  const found = findAppRoot(dirname(fileURLToPath(import.meta.url)));
  assert.ok(found.ok);
  const booted = await bootstrap({
    side: 'server',
    appRoot: found.root,
    env: {},
    overrides: [
      `DEFAULT.backup_storage=${chosen}`,
      'backup_storage_local.path=/srv/cellar-backups',
      'backup_storage_swift.auth_url=http://127.0.0.1:5000/v3',
      'backup_storage_swift.key=swift-s3cr3t',
    ],
  });
  assert.ok(booted.ok, booted.ok ? '' : booted.problems.join('\n'));
  return booted;
}

test('cellar-guest.conf carries the chosen storage and its section only, 0600, with the project in guest_info.conf', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-guest-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { config, host } = await serverConfig('local');
  await writeGuestConfig(
    dir,
    guest,
    { id: guest.instanceId, address: '127.42.0.9', datastore: 'postgresql', version: '15' },
    {
      rpc: { transport: 'local', socketDir: join(dir, 'rpc') },
      reportInterval: 10,
      backupStorage: await guestStorageSection(config, host),
    },
  );
  const conf = await readFile(join(dir, 'cellar-guest.conf'), 'utf8');
  assert.match(conf, /^\[DEFAULT\][^[]*^backup_storage = local$/m);
  assert.match(conf, /^\[backup_storage_local\]\npath = \/srv\/cellar-backups$/m);
  assert.doesNotMatch(conf, /swift/, "no other storage's section or credentials");
  const info = await readFile(join(dir, 'guest_info.conf'), 'utf8');
  assert.match(info, /^project_id = p-guest-config$/m);
  for (const file of ['cellar-guest.conf', 'guest_info.conf'])
    assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
});

test("the swift storage's section carries its secret to the guest, and the local one's is left out", async () => {
  const { config, host } = await serverConfig('swift');
  const section = await guestStorageSection(config, host);
  assert.equal(section?.name, 'swift');
  assert.ok(section?.lines.includes('key = swift-s3cr3t'));
  assert.ok(!section?.lines.some((l) => l.includes('cellar-backups') || l.includes('local')));
});
