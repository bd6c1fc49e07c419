// The replication actions as the API takes them: promote_to_replica_source (a planned switchover
// to this replica), eject_replica_source (this source is gone: promote its best replica) and the
// detach of a replica (PUT/PATCH with replica_of); each starts one operation on the instance.

import { BadRequest, InstanceBusy, ReplicaSourceDeleteForbidden } from '@cellar/plugin-api';
import type { InstanceDeps } from '../instances/deps.js';
import type { ProjectScope } from '../policy/admin-context.js';
import { loadInstance } from '../instances/lookup.js';
import { startOperation } from '../instances/start-operation.js';
import { canPerformAction } from '../instances/status.js';
import { statusOf, type InstanceRow } from '../instances/views.js';
import { replicaRows, sourceIdOf } from './guests.js';

async function replicaOf(deps: InstanceDeps, row: InstanceRow, action: string): Promise<string> {
  const sourceId = await sourceIdOf(deps.db, row.id);
  if (sourceId === undefined)
    throw new BadRequest({ reason: `Instance ${row.id} is not a replica: ${action} needs one.` });
  if (!canPerformAction(statusOf(row, new Date(), deps.heartbeatExpiry)))
    throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
  return sourceId;
}

export async function promoteToReplicaSource(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
): Promise<string> {
  const row = await loadInstance(deps.db, tenant, id);
  const sourceId = await replicaOf(deps, row, 'promote_to_replica_source');
  const source = await loadInstance(deps.db, tenant, sourceId);
  if (!canPerformAction(statusOf(source, new Date(), deps.heartbeatExpiry)))
    throw new BadRequest({
      reason: `The source ${sourceId} does not answer: a switchover needs it; use eject_replica_source on it instead.`,
    });
  const started = await startOperation(deps, row.id, 'promote', 'PROMOTING', {
    record: async () => ({ sourceId }),
  });
  return started.operationId;
}

export async function ejectReplicaSource(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
): Promise<string> {
  const row = await loadInstance(deps.db, tenant, id);
  if ((await replicaRows(deps.db, row.id)).length === 0)
    throw new BadRequest({
      reason: `Instance ${row.id} is not a replica source: it has no replicas.`,
    });
  // As Trove: a source that still reports is not ejected (promote a replica instead).
  const silentFor = (Date.now() - Date.parse(row.service_updated_at)) / 1000;
  if (silentFor < deps.heartbeatExpiry)
    throw new BadRequest({
      reason: `Instance ${row.id} reported ${Math.round(silentFor)} s ago (agent_heartbeat_expiry is ${deps.heartbeatExpiry} s): it is not gone; use promote_to_replica_source on a replica.`,
    });
  const started = await startOperation(deps, row.id, 'eject', 'EJECTING', {
    record: async () => ({ automatic: false }),
  });
  return started.operationId;
}

export async function detachReplica(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
): Promise<string> {
  const row = await loadInstance(deps.db, tenant, id);
  const sourceId = await replicaOf(deps, row, 'detaching (replica_of)');
  const started = await startOperation(deps, row.id, 'detach', 'DETACHING', {
    record: async () => ({ sourceId }),
  });
  return started.operationId;
}

/** As Trove: a source is not deleted while it has replicas (403). */
export async function refuseSourceDelete(
  deps: Pick<InstanceDeps, 'db'>,
  id: string,
): Promise<void> {
  // Replicas being deleted do not hold their source (a project is emptied newest first).
  const replicas = (await replicaRows(deps.db, id)).filter((r) => r.task_status !== 'DELETING');
  if (replicas.length > 0)
    throw new ReplicaSourceDeleteForbidden({
      instance: id,
      replicas: replicas.map((r) => r.id).join(', '),
    });
}
