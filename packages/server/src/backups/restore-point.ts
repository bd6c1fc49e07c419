// What a create's restorePoint comes to, checked before anything is written: the backup to restore
// (COMPLETED with its whole chain, of the datastore asked for, its objects still stored, no larger
// than the volume), or for a point in time one inside the instance's recoverable window (where the
// datastore has one) and the latest full backup finished before it.

import type { Kysely } from 'kysely';
import {
  BackupDatastoreMismatch,
  BackupNotComplete,
  BackupObjectMissing,
  BackupStorageNotConfigured,
  BackupTooLarge,
  BadRequest,
  NoRestorePoint,
} from '@cellar/plugin-api';
import type { Backup, Database } from '../db/schema.js';
import type { InstanceDeps } from '../instances/deps.js';
import type { RestorePointRequest } from '../instances/requests.js';
import type { RestorePoint } from '../instances/views.js';
import { restoreOf } from '../taskmanager/create-request.js';
import { chainRows, loadBackup } from './records.js';
import { checkRestoreTime } from './recoverable-window.js';
import { withStorage } from './storages.js';

const GB = 1024 ** 3;

/** What the create operation keeps: the backup whose chain the guest restores, and the time. */
export interface RestoreRequest {
  readonly backupId: string;
  readonly restoreTime?: string;
}

/** The latest COMPLETED full backup of the instance finished by `time`. */
async function fullBackupBefore(
  db: Kysely<Database>,
  tenant: string,
  instanceId: string,
  time: string,
): Promise<Backup> {
  const found = await db
    .selectFrom('backups')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('instance_id', '=', instanceId)
    .where('parent_id', 'is', null)
    .where('state', '=', 'COMPLETED')
    .where('deleted_at', 'is', null)
    .where('updated_at', '<=', time)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  if (!found) throw new NoRestorePoint({ instance: instanceId, time });
  return found;
}

/** The backup a restore point names, and the moment to replay to, when one is given. */
async function pointOf(
  deps: InstanceDeps,
  tenant: string,
  point: RestorePointRequest,
): Promise<{ backup: Backup; restoreTime?: string }> {
  const named =
    point.backupRef === undefined ? undefined : await loadBackup(deps.db, tenant, point.backupRef);
  if (point.restore_time === undefined) {
    if (!named) throw new BadRequest({ reason: 'restorePoint needs backupRef or restore_time' });
    return { backup: named };
  }
  const at = Date.parse(point.restore_time);
  if (Number.isNaN(at))
    throw new BadRequest({
      reason: `restorePoint.restore_time '${point.restore_time}' is not ISO-8601`,
    });
  if (at > Date.now())
    throw new BadRequest({
      reason: `restorePoint.restore_time ${point.restore_time} is in the future`,
    });
  const source = point.instance ?? named?.instance_id;
  if (source === undefined)
    throw new BadRequest({
      reason: 'restorePoint.restore_time needs restorePoint.instance or backupRef',
    });
  const restoreTime = new Date(at).toISOString();
  await checkWindow(deps, tenant, source, restoreTime);
  return { backup: await fullBackupBefore(deps.db, tenant, source, restoreTime), restoreTime };
}

/**
 * Refuses a time outside the source's recoverable window before anything is created, when its
 * datastore has one: the guest's own refusal comes only after an instance was made for it. The
 * datastore is read from the source's backups, which outlive a deleted source.
 */
async function checkWindow(
  deps: InstanceDeps,
  tenant: string,
  source: string,
  time: string,
): Promise<void> {
  const backup = await deps.db
    .selectFrom('backups')
    .select('datastore')
    .where('tenant_id', '=', tenant)
    .where('instance_id', '=', source)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const pitr = backup && deps.datastores.get(backup.datastore)?.pointInTime;
  if (pitr) await checkRestoreTime(deps, pitr, tenant, source, time);
}

/** Refuses (409) a chain one of whose objects is no longer in its storage. */
async function checkObjects(deps: InstanceDeps, chain: readonly Backup[]): Promise<void> {
  const storages = deps.storages;
  if (!storages)
    throw new BackupStorageNotConfigured({ reason: 'no backup storage is configured' });
  for (const row of chain) {
    const stored = await withStorage(storages, row.storage, (storage) =>
      storage.list(row.tenant_id, row.object_key),
    );
    if (!stored.some((o) => o.location === row.location || o.key === row.object_key))
      throw new BackupObjectMissing({ id: row.id, storage: row.storage });
  }
}

/** Checks the restore point of a create into `datastore` with a volume of `volumeGb`. */
export async function resolveRestorePoint(
  deps: InstanceDeps,
  tenant: string,
  point: RestorePointRequest,
  datastore: string,
  volumeGb: number | undefined,
): Promise<RestoreRequest> {
  const { backup, restoreTime } = await pointOf(deps, tenant, point);
  const chain = await chainRows(deps.db, backup);
  const unfinished = chain.find((b) => b.state !== 'COMPLETED');
  if (unfinished) throw new BackupNotComplete({ id: unfinished.id, state: unfinished.state });
  if (backup.datastore !== datastore)
    throw new BackupDatastoreMismatch({
      id: backup.id,
      backup: backup.datastore,
      requested: datastore,
    });
  const size = chain.reduce((sum, b) => sum + (b.size ?? 0), 0) / GB;
  if (volumeGb !== undefined && size > volumeGb)
    throw new BackupTooLarge({ id: backup.id, size: size.toFixed(2), volume: volumeGb });
  await checkObjects(deps, chain);
  return { backupId: backup.id, ...(restoreTime === undefined ? {} : { restoreTime }) };
}

/** The backup (and time) the instance was restored from, as its create recorded it. */
export async function restorePointOf(
  db: Kysely<Database>,
  instanceId: string,
): Promise<RestorePoint | undefined> {
  const create = await db
    .selectFrom('operations')
    .select('request')
    .where('instance_id', '=', instanceId)
    .where('kind', '=', 'create')
    .executeTakeFirst();
  const restore = create?.request.includes('"restore"') ? restoreOf(create.request) : undefined;
  if (!restore) return undefined;
  return {
    backup_id: restore.backupId,
    ...(restore.restoreTime === undefined ? {} : { restore_time: restore.restoreTime }),
  };
}
