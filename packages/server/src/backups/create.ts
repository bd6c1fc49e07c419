// Taking a backup: the checks Trove makes (the datastore can, the instance is free, the parent is a
// COMPLETED backup of it), then the record, its quota and the backup operation in one transaction;
// the taskmanager has the guest take it.

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import {
  BackupParentInvalid,
  BackupStorageNotConfigured,
  DatastoreOperationNotSupported,
  InstanceBusy,
} from '@cellar/plugin-api';
import { now, type Backup, type Database } from '../db/schema.js';
import type { InstanceDeps } from '../instances/deps.js';
import { loadInstance } from '../instances/lookup.js';
import type { ProjectScope } from '../policy/admin-context.js';
import { startOperation } from '../instances/start-operation.js';
import { canPerformAction } from '../instances/status.js';
import { statusOf, type InstanceRow } from '../instances/views.js';
import { loadBackup, type BackupOperationRequest } from './records.js';

export interface CreateBackupRequest {
  readonly name: string;
  readonly instance: string;
  readonly description?: string | undefined;
  readonly parent_id?: string | undefined;
  readonly incremental?: boolean | number | undefined;
}

/** The strategy that takes the instance's backups: 501 before anything else when there is none. */
function strategyOf(deps: InstanceDeps, datastore: string): string {
  const policy = deps.datastores.get(datastore);
  const strategy = policy?.backupStrategy;
  if (!policy?.capabilities.includes('backup') || strategy === undefined)
    throw new DatastoreOperationNotSupported({ operation: 'create_backup', datastore });
  return strategy;
}

/**
 * The parent of the new backup: the one named, which must be a COMPLETED backup of the instance;
 * with `incremental` alone, the instance's latest COMPLETED one (none: a full backup, as Trove).
 */
async function parentOf(
  deps: InstanceDeps,
  tenant: string,
  instance: InstanceRow,
  body: CreateBackupRequest,
): Promise<Backup | undefined> {
  if (body.parent_id !== undefined) {
    const parent = await loadBackup(deps.db, tenant, body.parent_id);
    const reason =
      parent.instance_id !== instance.id
        ? `it is a backup of instance ${parent.instance_id}`
        : parent.state !== 'COMPLETED'
          ? `it is ${parent.state}, not COMPLETED`
          : undefined;
    if (reason !== undefined)
      throw new BackupParentInvalid({ parent: parent.id, instance: instance.id, reason });
    return parent;
  }
  if (!body.incremental) return undefined;
  return latestCompleted(deps.db, instance.id);
}

/** The instance's newest COMPLETED backup. */
function latestCompleted(db: Kysely<Database>, instanceId: string): Promise<Backup | undefined> {
  return db
    .selectFrom('backups')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .where('state', '=', 'COMPLETED')
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * Records a NEW backup of the instance within `scope` and starts taking it; returns the record.
 * The backup is the instance's project's (its quota, its list), also when an admin takes it.
 */
export async function createBackup(
  deps: InstanceDeps,
  scope: ProjectScope,
  body: CreateBackupRequest,
): Promise<Backup> {
  const instance = await loadInstance(deps.db, scope, body.instance);
  const tenant = instance.tenant_id;
  const strategy = strategyOf(deps, instance.datastore);
  if (!deps.storages)
    throw new BackupStorageNotConfigured({ reason: 'no backup storage is configured' });
  if (!canPerformAction(statusOf(instance, new Date(), deps.heartbeatExpiry)))
    throw new InstanceBusy({ id: instance.id, taskStatus: instance.task_status });
  const parent = await parentOf(deps, tenant, instance, body);
  const id = randomUUID();
  const at = now();
  const record: Backup = {
    id,
    tenant_id: tenant,
    name: body.name,
    description: body.description ?? '',
    instance_id: instance.id,
    datastore: instance.datastore,
    datastore_version: instance.version,
    datastore_version_id: instance.datastore_version_id,
    parent_id: parent?.id ?? null,
    state: 'NEW',
    storage: deps.storages.defaultName,
    object_key: `${instance.id}/${id}`,
    location: null,
    size: null,
    progress: null,
    checksum: null,
    compression: null,
    strategy,
    meta: '{}',
    fault_code: null,
    fault_message: null,
    created_at: at,
    updated_at: at,
    deleted_at: null,
  };
  await startOperation(deps, instance.id, 'backup', 'BACKUP', {
    record: async (trx: Transaction<Database>) => {
      await deps.quotas.consume(trx, tenant, { backups: 1 });
      await trx.insertInto('backups').values(record).execute();
      const request: BackupOperationRequest = { backupId: id };
      return request;
    },
  });
  return record;
}
