// A source and its replicas for the replication tests, made as the control plane makes them: the
// source asked for a snapshot, a backup of it taken, each replica prepared from that backup.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import type { BackupInfo, Json } from '@cellar/plugin-api';
import { BackupFiles } from './backup-files.js';
import { asUser } from './live-client.js';
import { liveInstance, type LiveServer } from './live-server.js';

export const ALICE = 'alice-Secret-1';
export const ROOT = 'root-Secret-1';

export interface Instance extends LiveServer {
  readonly id: string;
}

/** An instance with an id of its own, disposed of when the test ends. */
export async function instance(t: TestContext, files?: BackupFiles): Promise<Instance> {
  const id = randomUUID();
  const server = await liveInstance(undefined, files?.restore, id);
  t.after(() => server.dispose());
  return { ...server, id };
}

/** A source with database shop, table t and alice, who may use it. */
export async function source(t: TestContext): Promise<Instance> {
  const s = await instance(t);
  await s.manager.prepare({
    memoryMb: 512,
    databases: [{ name: 'shop' }],
    users: [{ name: 'alice', password: ALICE, databases: [{ name: 'shop' }] }],
    rootPassword: ROOT,
  });
  await sql(s, 'CREATE TABLE t (id INT PRIMARY KEY, v CHAR(32))');
  return s;
}

/** Runs sql as alice in shop. */
export const sql = (s: LiveServer, text: string): Promise<Record<string, unknown>[]> =>
  asUser(s, 'alice', ALICE, text, 'shop');

export const write = (s: LiveServer, from: number, to: number): Promise<unknown> =>
  sql(s, `INSERT INTO t SELECT seq, MD5(seq) FROM seq_${from}_to_${to}`);

export async function count(s: LiveServer): Promise<number> {
  const [row] = await sql(s, 'SELECT COUNT(*) AS n FROM t');
  return Number(row?.['n']);
}

/** Until check holds, or fails naming what was awaited after timeoutMs. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * A replica made as the control plane makes one: the source's snapshot for it, a backup of the
 * source (an incremental on `parent` when given), and prepare with both.
 */
export async function replicaOf(
  t: TestContext,
  files: BackupFiles,
  from: Instance,
  options: { synchronous?: boolean; parent?: BackupInfo } = {},
): Promise<Instance> {
  const replica = await instance(t, files);
  const info = { replicaId: replica.id, synchronous: options.synchronous === true };
  const snapshot = await from.manager.getReplicationSnapshot(info, {});
  const backup = await files.take(from.manager, `seed-${replica.id}`, options.parent);
  await replica.manager.prepare({
    memoryMb: 512,
    databases: [],
    users: [],
    backupInfo: backup,
    snapshot: snapshot as unknown as Readonly<Record<string, unknown>>,
  });
  return replica;
}

/** The source's context for re-pointing, as the control plane passes it on. */
export const context = (s: LiveServer): Promise<Json> => s.manager.getReplicaContext();
