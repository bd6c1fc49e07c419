// Retention of the datastores' continuous archives (PostgreSQL's WAL) in the backup storage: each
// sweep asks the datastore which archived objects its instance's kept full backups no longer
// need and removes them, and removes the whole archive of an instance gone with no full backup.

import type { ArchiveRetention, BackupStorage, RetainedFullBackup } from '@cellar/plugin-api';
import { metaOf } from '../backups/records.js';
import { withStorage } from '../backups/storages.js';
import { now } from '../db/schema.js';
import type { TaskManagerDeps } from './step-context.js';

type Deps = Pick<TaskManagerDeps, 'db' | 'backups' | 'log' | 'archiveRetention'>;

interface ArchivedInstance {
  readonly id: string;
  readonly tenant_id: string;
  readonly deleted_at: string | null;
  readonly datastore: string;
}

/** The instances of datastores with an archive retention whose archive may still hold objects. */
async function archivedInstances(deps: Deps): Promise<ArchivedInstance[]> {
  return deps.db
    .selectFrom('instances')
    .innerJoin('datastore_versions', 'datastore_versions.id', 'instances.datastore_version_id')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .leftJoin('archives_removed', 'archives_removed.instance_id', 'instances.id')
    .select([
      'instances.id',
      'instances.tenant_id',
      'instances.deleted_at',
      'datastores.name as datastore',
    ])
    .where('archives_removed.instance_id', 'is', null)
    .orderBy('instances.created_at')
    .execute();
}

async function keptFullBackups(deps: Deps, instanceId: string): Promise<RetainedFullBackup[]> {
  const rows = await deps.db
    .selectFrom('backups')
    .select(['meta', 'created_at'])
    .where('instance_id', '=', instanceId)
    .where('parent_id', 'is', null)
    .where('state', '=', 'COMPLETED')
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((row) => ({ meta: metaOf(row), created: row.created_at }));
}

/** Removes what of the instance's archive may go this round; returns how many objects went. */
async function sweepInstance(
  deps: Deps,
  storage: BackupStorage,
  retention: ArchiveRetention,
  instance: ArchivedInstance,
): Promise<number> {
  const fulls = await keptFullBackups(deps, instance.id);
  const gone = instance.deleted_at !== null && fulls.length === 0;
  // A live instance without a full backup: no restore uses its archive, but the next full will.
  if (!gone && fulls.length === 0) return 0;
  const objects = await storage.list(instance.tenant_id, retention.prefix(instance.id));
  const expired = gone
    ? objects.map((o) => o.location)
    : retention.expired(instance.id, objects, fulls);
  for (const location of expired) await storage.delete(location);
  if (gone)
    await deps.db
      .insertInto('archives_removed')
      .values({ instance_id: instance.id, removed_at: now() })
      .onConflict((oc) => oc.column('instance_id').doNothing())
      .execute();
  return expired.length;
}

/**
 * One round over every instance whose datastore keeps an archive, in the default storage (where
 * guests ship it); returns how many archived objects went. An instance that fails is retried next round.
 */
export async function sweepArchives(deps: Deps): Promise<number> {
  const storages = deps.backups?.storages;
  const retentionOf = deps.archiveRetention;
  if (!storages || !retentionOf) return 0;
  const instances = (await archivedInstances(deps)).filter((i) => retentionOf(i.datastore));
  if (instances.length === 0) return 0;
  return withStorage(storages, storages.defaultName, async (storage) => {
    let removed = 0;
    for (const instance of instances) {
      const retention = retentionOf(instance.datastore);
      if (!retention) continue;
      try {
        removed += await sweepInstance(deps, storage, retention, instance);
      } catch (error) {
        deps.log.warn(
          { err: error, instance: instance.id, storage: storage.name },
          'the archive of an instance could not be trimmed; the next sweep tries again',
        );
      }
    }
    if (removed > 0)
      deps.log.info({ removed }, 'archived objects no kept backup needs were removed');
    return removed;
  });
}
