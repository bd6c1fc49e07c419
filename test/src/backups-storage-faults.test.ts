// A storage that dies in the middle of a backup, through the API as a user and an operator meet
// it: Cellar reaches the Swift all-in-one only through a proxy that the test cuts once the backup
// shows progress. The backup ends FAILED naming the storage, the instance is ACTIVE and takes
// actions again, and once the storage is back the sweeper removes every segment the upload left.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  ensureSwift,
  startSwiftAio,
  SwiftAdmin,
  type SwiftAio,
} from '@cellar/backup-storage-swift/testing';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { FaultProxy } from './support/fault-proxy.js';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql, psql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const skip = noPostgresql || (ensureSwift() ?? false);
const PASSWORD = 'app-Secret-1';
let aio: SwiftAio | undefined;
let proxy: FaultProxy | undefined;
after(async () => {
  await proxy?.close();
  await aio?.stop();
});

const local = localCellarOfFile(skip, async () => {
  aio = await startSwiftAio();
  const port = Number(new URL(aio.endpoint).port);
  // Slowed so that the upload is still running when the test cuts the link.
  proxy = await FaultProxy.start({ targetHost: '127.0.0.1', targetPort: port, uploadRate: 6e6 });
  return [
    'DEFAULT.backup_storage=swift',
    'DEFAULT.backup_sweep_interval=1',
    // Tempauth answers with a storage URL on the host it was asked on: the proxy's.
    `backup_storage_swift.auth_url=${proxy.endpoint}/auth/v1.0`,
    'backup_storage_swift.auth_version=1.0',
    `backup_storage_swift.user=${aio.admin.account}:${aio.admin.user}`,
    `backup_storage_swift.key=${aio.admin.key}`,
    'backup_storage_swift.project_layout=account',
    'backup_storage_swift.segment_size=5242880',
    'backup_storage_swift.timeout=10',
  ];
});

/** About `mb` MB of random bytes (incompressible: the backup's size stays close to it). */
async function fill(address: string, mb: number): Promise<void> {
  const sql = [
    'CREATE TABLE blobs (b bytea)',
    `INSERT INTO blobs SELECT (SELECT string_agg(decode(md5(random()::text || g || k), 'hex'), ''::bytea) FROM generate_series(1, 64) k) FROM generate_series(1, ${mb * 1000}) g`,
  ].join('; ');
  const { ok, out } = await psql(address, 'app', PASSWORD, 'appdb', sql);
  assert.ok(ok, out);
}

/** Every object and segment of the project's Swift account under the backup's key, read directly. */
async function storedUnder(project: string, key: string): Promise<string[]> {
  const swift = aio as SwiftAio;
  const admin = new SwiftAdmin(swift.authUrl, swift.admin);
  const account = `${swift.endpoint}/v1/AUTH_${project}`;
  const names = [
    ...(await admin.names(`${account}/database_backups`)),
    ...(await admin.names(`${account}/database_backups_segments`)),
  ];
  return names.filter((n) => n.startsWith(key));
}

const backupOf = async (id: string): Promise<Json> =>
  (await local.api('GET', `/backups/${id}`)).json['backup'] as Json;

test(
  'a Swift that dies mid-upload leaves a FAILED backup naming it and an ACTIVE instance; the sweeper removes every segment once Swift is back',
  { skip, timeout: 600_000 },
  async () => {
    const source = await activeInstance(local, {
      name: 'pg-faults',
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'postgresql', version: local.version },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
    });
    await fill(source.address, 60);
    const created = await local.api('POST', '/backups', {
      backup: { name: 'cut-off', instance: source.id },
    });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const id = String((created.json['backup'] as Json)['id']);
    const key = `${source.id}/${id}`;
    await waitFor(
      async () => {
        const shown = await backupOf(id);
        assert.notEqual(shown['status'], 'COMPLETED', 'the backup ended before the cut');
        return Number((shown['progress'] as Json | undefined)?.['bytes'] ?? 0) > 0;
      },
      { what: 'the backup to show progress', timeout: 120_000, interval: 100 },
    );
    (proxy as FaultProxy).cut();

    const failed = await waitFor(
      async () => {
        const shown = await backupOf(id);
        return shown['status'] === 'FAILED' ? shown : undefined;
      },
      { what: 'the backup to end FAILED', timeout: 120_000, interval: 250 },
    );
    assert.match(String((failed['fault'] as Json)['message']), /swift/i, JSON.stringify(failed));
    const instance = await local.session.untilInstance(source.id, settled, 'ACTIVE', 60, 250);
    assert.equal(instance['status'], 'ACTIVE', JSON.stringify(instance));
    const project = String(failed['project_id']);
    assert.notDeepEqual(await storedUnder(project, key), [], 'the cut upload left segments');
    const restart = await local.api('POST', `/instances/${source.id}/action`, { restart: {} });
    assert.equal(restart.status, 202, JSON.stringify(restart.json));

    (proxy as FaultProxy).heal();
    await waitFor(async () => (await storedUnder(project, key)).length === 0, {
      what: 'the sweeper to remove every segment under the backup',
      timeout: 60_000,
      interval: 250,
    });
    assert.equal((await backupOf(id))['status'], 'FAILED');
    await local.session.untilInstance(source.id, settled, 'ACTIVE', 120, 250);
  },
);
