// Backups that cannot complete: a guest that overruns the time budget, one that goes silent, one
// whose strategy fails, and a report signed by another instance. Each ends FAILED with its reason,
// leaves no object behind and the instance ACTIVE, as a user would check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConductorClient } from '@cellar/rpc';
import { unseal } from '../secrets.js';
import type { Json } from '../testing/api-session.js';
import {
  completes,
  failsWith,
  goesSilent,
  neverFinishes,
  storedKeys,
} from '../testing/backup-guests.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';

/** Starts a backup of the instance; returns its id. */
async function startBackup(plane: BackupPlane, instance: string): Promise<string> {
  const created = await plane.api('POST', '/backups', { backup: { name: 'b', instance } });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  return (created.json['backup'] as Json)['id'] as string;
}

/** Waits for the backup to be FAILED, the instance ACTIVE without a fault, and no object left. */
async function failedCleanly(plane: BackupPlane, instance: string, id: string): Promise<Json> {
  const failed = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => b['status'] === 'FAILED',
    'FAILED',
  );
  const shown = await plane.until(
    `/instances/${instance}`,
    'instance',
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE again',
  );
  assert.equal(
    shown['fault'],
    undefined,
    "a failed backup is the backup's fault, not the instance's",
  );
  assert.deepEqual(await storedKeys(plane.storages, plane.project, instance), []);
  const ops = (await plane.api('GET', `/instances/${instance}/operations`)).json[
    'operations'
  ] as Json[];
  assert.equal(ops[0]?.['kind'], 'backup');
  assert.equal(ops[0]?.['status'], 'failed');
  return failed;
}

test('a backup that overruns backup_timeout ends FAILED CELLAR_BACKUP_TIMED_OUT, its object removed, the instance ACTIVE', async (t) => {
  const plane = await startBackupPlane({ timeout: 1 });
  t.after(() => plane.close());
  const instance = await plane.instance('db-slow');
  let stop = (): void => undefined;
  plane.take = neverFinishes(plane.storages, new Promise<void>((r) => (stop = r)));
  t.after(() => stop());
  const id = await startBackup(plane, instance);
  const failed = await failedCleanly(plane, instance, id);
  assert.equal((failed['fault'] as Json)['code'], 'CELLAR_BACKUP_TIMED_OUT');
  assert.match(String((failed['fault'] as Json)['message']), /within 1 s/);
  // The guest still reporting progress does not bring it back.
  await plane.until(
    `/backups/${id}`,
    'backup',
    () => plane.refusals.some((r) => /already ended FAILED/.test(r)),
    'a late report refused',
  );
  const after = (await plane.api('GET', `/backups/${id}`)).json['backup'] as Json;
  assert.equal(after['status'], 'FAILED');
});

test('what a guest finishes storing after its backup timed out is removed, and the backup stays FAILED', async (t) => {
  const plane = await startBackupPlane({ timeout: 1 });
  t.after(() => plane.close());
  const instance = await plane.instance('db-late');
  let timedOut = (): void => undefined;
  // The guest finishes only once the taskmanager has given up on it.
  plane.take = completes(plane.storages, new Promise<void>((r) => (timedOut = r)));
  const id = await startBackup(plane, instance);
  await failedCleanly(plane, instance, id);
  timedOut();
  await plane.until(
    `/backups/${id}`,
    'backup',
    () => plane.refusals.some((r) => /already ended FAILED/.test(r)),
    'the late completion refused',
  );
  await plane.until(
    `/backups/${id}`,
    'backup',
    () => plane.deletions.some((l) => l.includes(id)),
    'the late object removed',
  );
  assert.deepEqual(await storedKeys(plane.storages, plane.project, instance), []);
  const shown = (await plane.api('GET', `/backups/${id}`)).json['backup'] as Json;
  assert.equal(shown['status'], 'FAILED');
  assert.equal((shown['fault'] as Json)['code'], 'CELLAR_BACKUP_TIMED_OUT');
});

test('a guest that stops reporting its backup makes it FAILED CELLAR_BACKUP_GUEST_LOST and removes what it stored', async (t) => {
  const plane = await startBackupPlane({ silenceLimit: 1 });
  t.after(() => plane.close());
  const instance = await plane.instance('db-lost');
  plane.take = goesSilent(plane.storages);
  const id = await startBackup(plane, instance);
  const failed = await failedCleanly(plane, instance, id);
  assert.equal((failed['fault'] as Json)['code'], 'CELLAR_BACKUP_GUEST_LOST');
  assert.match(String((failed['fault'] as Json)['message']), /no report on the backup/);
});

test('a guest whose heartbeats say its database crashed during the backup makes it FAILED CELLAR_BACKUP_GUEST_LOST', async (t) => {
  const plane = await startBackupPlane();
  t.after(() => plane.close());
  const instance = await plane.instance('db-crash');
  let ended = false;
  t.after(() => (ended = true));
  plane.take = async (backup, conductor) => {
    await conductor.updateBackup({ backup_id: backup.id, state: 'BUILDING', size: 10 });
    while (!ended) {
      await conductor.heartbeat({ status: 'crashed' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const id = await startBackup(plane, instance);
  const failed = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => b['status'] === 'FAILED',
    'FAILED',
  );
  ended = true;
  assert.equal((failed['fault'] as Json)['code'], 'CELLAR_BACKUP_GUEST_LOST');
  assert.match(String((failed['fault'] as Json)['message']), /database crashed/);
});

test("an administrator's reset_status fails the running backup and its object is removed", async (t) => {
  const plane = await startBackupPlane();
  t.after(() => plane.close());
  const instance = await plane.instance('db-reset');
  plane.take = goesSilent(plane.storages);
  const id = await startBackup(plane, instance);
  // The guest has stored the object and said so.
  await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => (b['progress'] as Json | undefined)?.['bytes'] === 10,
    'reported by the guest',
  );
  const reset = await plane.api('POST', `/instances/${instance}/action`, { reset_status: {} });
  assert.equal(reset.status, 202, JSON.stringify(reset.json));
  const failed = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => b['status'] === 'FAILED',
    'FAILED',
  );
  assert.equal((failed['fault'] as Json)['code'], 'CELLAR_OPERATION_INTERRUPTED');
  await plane.until(
    `/backups/${id}`,
    'backup',
    () => plane.deletions.some((l) => l.includes(id)),
    'its object removed',
  );
  assert.deepEqual(await storedKeys(plane.storages, plane.project, instance), []);
});

test('a strategy that fails leaves the backup FAILED with the guest reason and the instance ACTIVE', async (t) => {
  const plane = await startBackupPlane();
  t.after(() => plane.close());
  const instance = await plane.instance('db-tool');
  plane.take = failsWith(
    'CELLAR_BACKUP_FAILED',
    'pg_basebackup exited with status 1: could not connect',
  );
  const id = await startBackup(plane, instance);
  const failed = await failedCleanly(plane, instance, id);
  assert.deepEqual(failed['fault'], {
    code: 'CELLAR_BACKUP_FAILED',
    message: 'pg_basebackup exited with status 1: could not connect',
  });
  // The instance takes the next backup as usual.
  plane.take = completes(plane.storages);
  const next = await startBackup(plane, instance);
  await plane.until(`/backups/${next}`, 'backup', (b) => b['status'] === 'COMPLETED', 'COMPLETED');
});

test('update_backup signed by another instance is refused and changes nothing', async (t) => {
  const plane = await startBackupPlane();
  t.after(() => plane.close());
  const victim = await plane.instance('db-victim');
  const other = await plane.instance('db-other');
  let release = (): void => undefined;
  plane.take = completes(plane.storages, new Promise<void>((r) => (release = r)));
  t.after(() => release());
  const id = await startBackup(plane, victim);
  await plane.until(`/backups/${id}`, 'backup', (b) => b['status'] === 'BUILDING', 'BUILDING');
  const row = await plane.control.db
    .selectFrom('instances')
    .select('rpc_key')
    .where('id', '=', other)
    .executeTakeFirstOrThrow();
  const forger = new ConductorClient(plane.transport, other, unseal(plane.controlKey, row.rpc_key));
  await forger.updateBackup({
    backup_id: id,
    state: 'COMPLETED',
    size: 1,
    location: 'forged',
    checksum: '0'.repeat(64),
  });
  await plane.until(
    `/backups/${id}`,
    'backup',
    () => plane.refusals.some((r) => r.includes(`not a backup of instance ${other}`)),
    'the forged report refused',
  );
  const shown = (await plane.api('GET', `/backups/${id}`)).json['backup'] as Json;
  assert.equal(shown['status'], 'BUILDING');
  assert.equal(shown['locationRef'], null);
  release();
  const done = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => b['status'] === 'COMPLETED',
    'COMPLETED',
  );
  assert.notEqual(done['locationRef'], 'forged');
});
