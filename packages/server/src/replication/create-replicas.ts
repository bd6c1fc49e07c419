// Creating replicas (POST /instances with replica_of): checked as Trove checks them, then the
// replicas, their quota, their records and their create_replica operations written in one
// transaction; the taskmanager seeds each from a backup of the source.

import { randomUUID } from 'node:crypto';
import {
  BackupStorageNotConfigured,
  BadRequest,
  DatastoreOperationNotSupported,
  ReplicationNotPossible,
} from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import { accessValue } from '../instances/access.js';
import { findFlavor, type CreatePlan } from '../instances/create-checks.js';
import { instanceRecord, type CreatedInstance } from '../instances/create.js';
import type { InstanceDeps } from '../instances/deps.js';
import { loadInstance } from '../instances/lookup.js';
import type { CreateInstanceRequest } from '../instances/requests.js';
import { canPerformAction } from '../instances/status.js';
import { statusOf, type InstanceRow } from '../instances/views.js';
import { Operations } from '../taskmanager/operations.js';
import { stepsOf } from '../taskmanager/plans.js';

/** Fields a replica takes from its source and may not be given (Trove answers 400 too). */
const REFUSED = ['datastore', 'databases', 'users', 'restorePoint', 'locality'] as const;

/** The source, checked: live, the project's, ACTIVE, able to replicate, not itself a replica. */
async function checkedSource(
  deps: InstanceDeps,
  tenant: string,
  sourceId: string,
): Promise<InstanceRow> {
  const source = await loadInstance(deps.db, tenant, sourceId);
  const policy = deps.datastores.get(source.datastore);
  if (!policy?.capabilities.includes('replication'))
    throw new DatastoreOperationNotSupported({
      operation: 'replica_create',
      datastore: source.datastore,
    });
  if (!deps.storages)
    throw new BackupStorageNotConfigured({
      reason:
        'replicas are seeded from a backup of their source, and no backup storage is configured',
    });
  const refuse = (reason: string) => new ReplicationNotPossible({ instance: source.id, reason });
  const following = await deps.db
    .selectFrom('replicas')
    .select('source_id')
    .where('instance_id', '=', source.id)
    .executeTakeFirst();
  if (following !== undefined)
    throw refuse(`it is a replica of ${following.source_id}; make replicas of that source instead`);
  if (!canPerformAction(statusOf(source, new Date(), deps.heartbeatExpiry)))
    throw refuse(`it must be ACTIVE with no task running (its task is ${source.task_status})`);
  return source;
}

async function planOf(
  deps: InstanceDeps,
  source: InstanceRow,
  body: CreateInstanceRequest,
): Promise<CreatePlan> {
  const version = await deps.db
    .selectFrom('datastore_versions')
    .selectAll()
    .where('id', '=', source.datastore_version_id)
    .executeTakeFirstOrThrow();
  const flavor = await findFlavor(deps, body.flavorRef ?? source.flavor_id);
  const policy = deps.datastores.get(source.datastore);
  if (policy === undefined)
    throw new DatastoreOperationNotSupported({
      operation: 'replica_create',
      datastore: source.datastore,
    });
  return { datastore: source.datastore, policy, version, flavor };
}

export async function createReplicas(
  deps: InstanceDeps,
  tenant: string,
  body: CreateInstanceRequest,
): Promise<CreatedInstance> {
  for (const field of REFUSED)
    if (body[field] !== undefined)
      throw new BadRequest({ reason: `A replica takes ${field} from its source: leave it out.` });
  const source = await checkedSource(deps, tenant, body.replica_of ?? '');
  const plan = await planOf(deps, source, body);
  const size = body.volume?.size ?? source.volume_size;
  if (size !== null && source.volume_size !== null && size < source.volume_size)
    throw new BadRequest({
      reason: `A replica's volume must hold its source's data: ${size} GB is smaller than the source's ${source.volume_size} GB.`,
    });
  const count = body.replica_count ?? 1;
  const replicaBody = { ...body, ...(size === null ? {} : { volume: { size } }) };
  const access = JSON.stringify(accessValue(body.access));
  const ids = Array.from({ length: count }, () => randomUUID());
  const operations = await deps.db.transaction().execute(async (trx) => {
    await deps.quotas.consume(trx, tenant, {
      instances: count,
      ram: plan.flavor.ram * count,
      volumes: (size ?? 0) * count,
    });
    const started: string[] = [];
    for (const [i, id] of ids.entries()) {
      const at = now();
      const name = count > 1 ? `${body.name}-${i + 1}` : body.name;
      const record = instanceRecord(deps, tenant, { ...replicaBody, name }, plan);
      await trx
        .insertInto('instances')
        .values({ ...record, id, access })
        .execute();
      await trx
        .insertInto('service_statuses')
        .values({ instance_id: id, status: 'new', updated_at: at })
        .execute();
      await trx
        .insertInto('replicas')
        .values({
          instance_id: id,
          source_id: source.id,
          synchronous: 0,
          backup_id: null,
          snapshot: null,
          created_at: at,
        })
        .execute();
      const operations = new Operations(deps.db, deps.controlKey);
      started.push(
        await operations.create(
          trx,
          id,
          'create_replica',
          { sourceId: source.id },
          stepsOf.create_replica,
        ),
      );
    }
    return started;
  });
  for (const operationId of operations) await deps.runOperation(operationId);
  const [first] = ids;
  return { id: first ?? '', operationId: operations[0] ?? '' };
}
