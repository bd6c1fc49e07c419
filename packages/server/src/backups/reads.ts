// Listing and showing backups: a project's (or, for an administrator, every project's), newest
// update first as Trove orders them, filtered by instance and datastore.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { loadInstance } from '../instances/lookup.js';
import { loadBackup } from './records.js';
import { backupView, type BackupView } from './views.js';

export interface BackupFilter {
  /** The project whose backups are listed; undefined lists every project's (all_projects). */
  readonly tenant: string | undefined;
  readonly instanceId?: string | undefined;
  /** A datastore's name or id. */
  readonly datastore?: string | undefined;
}

export async function listBackups(
  db: Kysely<Database>,
  filter: BackupFilter,
): Promise<BackupView[]> {
  let query = db.selectFrom('backups').selectAll().where('deleted_at', 'is', null);
  if (filter.tenant !== undefined) query = query.where('tenant_id', '=', filter.tenant);
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  if (filter.datastore !== undefined) {
    const named = await db
      .selectFrom('datastores')
      .select('name')
      .where('id', '=', filter.datastore)
      .executeTakeFirst();
    query = query.where('datastore', '=', named?.name ?? filter.datastore);
  }
  const rows = await query.orderBy('updated_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(backupView);
}

/** The backups of the project's instance `id`: 404 when it has no such instance. */
export async function instanceBackups(
  db: Kysely<Database>,
  tenant: string,
  id: string,
): Promise<BackupView[]> {
  const instance = await loadInstance(db, tenant, id);
  return listBackups(db, { tenant, instanceId: instance.id });
}

export async function showBackup(
  db: Kysely<Database>,
  tenant: string,
  id: string,
): Promise<BackupView> {
  return backupView(await loadBackup(db, tenant, id));
}
