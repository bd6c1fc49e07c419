// A storage that dies in the middle of a backup, through the API as a user and an operator meet
// it: Cellar reaches the Swift all-in-one (its Swift API, then its S3 API) only through a proxy
// that the test cuts once the backup shows progress. The backup ends FAILED naming the storage,
// the instance is ACTIVE and takes actions again, and once the storage is back the sweeper
// removes every segment or multipart part the upload left.

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
const BUCKET = 'cellar-faults';
let aio: SwiftAio | undefined;
let proxy: FaultProxy | undefined;
after(async () => {
  await proxy?.close();
  await aio?.stop();
});

/** Both storages, each reached through the proxy, and a sweep every second. */
function settings(storage: 'swift' | 's3'): string[] {
  const swift = aio as SwiftAio;
  const through = (proxy as FaultProxy).endpoint;
  return [
    `DEFAULT.backup_storage=${storage}`,
    'DEFAULT.backup_sweep_interval=1',
    // Tempauth answers with a storage URL on the host it was asked on: the proxy's.
    `backup_storage_swift.auth_url=${through}/auth/v1.0`,
    'backup_storage_swift.auth_version=1.0',
    `backup_storage_swift.user=${swift.admin.account}:${swift.admin.user}`,
    `backup_storage_swift.key=${swift.admin.key}`,
    'backup_storage_swift.project_layout=account',
    'backup_storage_swift.segment_size=5242880',
    'backup_storage_swift.timeout=10',
    `backup_storage_s3.endpoint=${through}`,
    `backup_storage_s3.bucket=${BUCKET}`,
    `backup_storage_s3.access_key_id=${swift.tester.account}:${swift.tester.user}`,
    `backup_storage_s3.secret_access_key=${swift.tester.key}`,
    'backup_storage_s3.part_size=5242880',
  ];
}

const local = localCellarOfFile(skip, async () => {
  aio = await startSwiftAio();
  const port = Number(new URL(aio.endpoint).port);
  // Slowed so that the upload is still running when the test cuts the link.
  proxy = await FaultProxy.start({ targetHost: '127.0.0.1', targetPort: port, uploadRate: 6e6 });
  return settings('swift');
});

/** An instance with about `mb` MB of random bytes (incompressible: the backup stays that big). */
async function filledInstance(name: string, mb: number): Promise<string> {
  const source = await activeInstance(local, {
    name,
    flavorRef: '2',
    volume: { size: 1 },
    datastore: { type: 'postgresql', version: local.version },
    databases: [{ name: 'appdb' }],
    users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
  });
  const sql = [
    'CREATE TABLE blobs (b bytea)',
    `INSERT INTO blobs SELECT (SELECT string_agg(decode(md5(random()::text || g || k), 'hex'), ''::bytea) FROM generate_series(1, 64) k) FROM generate_series(1, ${mb * 1000}) g`,
  ].join('; ');
  const { ok, out } = await psql(source.address, 'app', PASSWORD, 'appdb', sql);
  assert.ok(ok, out);
  return source.id;
}

const backupOf = async (id: string): Promise<Json> =>
  (await local.api('GET', `/backups/${id}`)).json['backup'] as Json;

/**
 * Starts a backup, cuts the proxy once it shows progress, and checks what a user sees: FAILED
 * naming the storage, the instance ACTIVE and taking a restart. Returns the failed backup.
 */
async function cutBackup(instance: string, storage: string): Promise<Json> {
  const created = await local.api('POST', '/backups', { backup: { name: 'cut-off', instance } });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const id = String((created.json['backup'] as Json)['id']);
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
  const fault = failed['fault'] as Json;
  assert.match(
    String(fault['message']),
    new RegExp(`${storage} backup storage`),
    fault['message'] as string,
  );
  const shown = await local.session.untilInstance(instance, settled, 'ACTIVE', 60, 250);
  assert.equal(shown['status'], 'ACTIVE', JSON.stringify(shown));
  const restart = await local.api('POST', `/instances/${instance}/action`, { restart: {} });
  assert.equal(restart.status, 202, JSON.stringify(restart.json));
  return failed;
}

/** Heals the proxy and waits for the sweeper to leave nothing under the key; the backup stays FAILED. */
async function sweptAfterHeal(id: string, left: () => Promise<string[]>): Promise<void> {
  assert.notDeepEqual(await left(), [], 'the cut upload left parts in the storage');
  (proxy as FaultProxy).heal();
  await waitFor(async () => (await left()).length === 0, {
    what: 'the sweeper to remove everything under the backup',
    timeout: 60_000,
    interval: 250,
  });
  assert.equal((await backupOf(id))['status'], 'FAILED');
}

/** Names in the containers of a Swift account, read directly (not through the proxy). */
async function namesUnder(
  account: string,
  user: 'admin' | 'tester',
  containers: string[],
  prefix: string,
) {
  const swift = aio as SwiftAio;
  const admin = new SwiftAdmin(swift.authUrl, swift[user]);
  const names: string[] = [];
  for (const c of containers)
    names.push(...(await admin.names(`${swift.endpoint}/v1/${account}/${c}`)));
  return names.filter((n) => n.startsWith(prefix));
}

test(
  'a Swift that dies mid-upload leaves a FAILED backup naming it and an ACTIVE instance; the sweeper removes every segment once Swift is back',
  { skip, timeout: 600_000 },
  async () => {
    const instance = await filledInstance('pg-swift-faults', 60);
    const failed = await cutBackup(instance, 'swift');
    const key = `${instance}/${String(failed['id'])}`;
    const account = `AUTH_${String(failed['project_id'])}`;
    await sweptAfterHeal(String(failed['id']), () =>
      namesUnder(account, 'admin', ['database_backups', 'database_backups_segments'], key),
    );
    await local.session.untilInstance(instance, settled, 'ACTIVE', 120, 250);
  },
);

test(
  'an S3 endpoint that dies mid-upload leaves a FAILED backup naming it; the sweeper aborts the multipart upload once it is back',
  { skip, timeout: 600_000 },
  async () => {
    // The guests of instances made from now on write to S3.
    await local.restart(settings('s3'));
    const instance = await filledInstance('pg-s3-faults', 60);
    const failed = await cutBackup(instance, 's3');
    const key = `${String(failed['project_id'])}/${instance}/${String(failed['id'])}`;
    await sweptAfterHeal(String(failed['id']), () =>
      namesUnder('AUTH_test', 'tester', [BUCKET, `${BUCKET}+segments`], key),
    );
  },
);
