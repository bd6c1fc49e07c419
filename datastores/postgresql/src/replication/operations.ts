// The replication guest operations as the manager exposes them: their JSON arguments checked and
// turned into the source's and the replica's functions (source.ts, replica.ts, progress.ts).

import { BadRequest, type Json, type ReplicationSource } from '@cellar/plugin-api';
import { serialized, type ReplicationHost } from './host.js';
import { attachReplica, detachReplica } from './replica.js';
export { lastTxn, latestTxnId, replicationState, waitForTxn } from './progress.js';
export { afterRestore, waitStreaming } from './replica.js';
import { parseSource } from './settings.js';
import {
  demoteReplicationMaster as demote,
  enableAsMaster,
  makeReadOnly as readOnlyAs,
  replicaContext,
  replicationSnapshot,
} from './source.js';

export const demoteReplicationMaster = (host: ReplicationHost): Promise<void> =>
  serialized(host, () => demote(host));
export const makeReadOnly = (host: ReplicationHost, readOnly: boolean): Promise<void> =>
  serialized(host, () => readOnlyAs(host, readOnly));

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The snapshot or replica info the control plane sent, or a 400 saying what it lacked. */
export function sourceArgument(value: unknown, what: string): ReplicationSource {
  const source = parseSource(value);
  if (source === undefined)
    throw new BadRequest({
      reason: `${what} must be a replication source {sourceId, host, port, user, password, synchronous}.`,
    });
  return source;
}

export async function snapshotOperation(host: ReplicationHost, info: Json): Promise<Json> {
  if (!isRecord(info) || typeof info.replicaId !== 'string')
    throw new BadRequest({ reason: 'snapshot_info must be {replicaId, synchronous}.' });
  const request = { replicaId: info.replicaId, synchronous: info.synchronous === true };
  return { ...(await serialized(host, () => replicationSnapshot(host, request))) };
}

export async function enableAsMasterOperation(host: ReplicationHost, config: Json): Promise<void> {
  const ids = isRecord(config) ? config.replicaIds : undefined;
  if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string'))
    throw new BadRequest({
      reason: 'replica_source_config must be {replicaIds: [instance ids], synchronous}.',
    });
  const wanted = { replicaIds: ids, synchronous: isRecord(config) && config.synchronous === true };
  await serialized(host, () => enableAsMaster(host, wanted));
}

export async function attachOperation(host: ReplicationHost, info: Json): Promise<void> {
  const source = sourceArgument(info, 'replica_info');
  await serialized(host, () => attachReplica(host, source));
}

export async function detachOperation(host: ReplicationHost): Promise<Json> {
  return { ...(await serialized(host, () => detachReplica(host))) };
}

export async function replicaContextOperation(host: ReplicationHost): Promise<Json> {
  return { ...(await serialized(host, () => replicaContext(host))) };
}
