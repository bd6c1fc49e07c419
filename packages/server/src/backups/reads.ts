// Listing and showing backups: a project's (or, for an administrator, every project's), newest
// update first as Trove orders and pages them, filtered by instance and datastore.

import type { ProjectScope } from '../policy/admin-context.js';
import type { Kysely } from 'kysely';
import { NotFound } from '@cellar/plugin-api';
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

/** One page of a list: `limit` backups after the `marker` backup (none: from the newest). */
export interface BackupPage {
  readonly limit: number;
  readonly marker?: string | undefined;
}

export interface BackupListing {
  readonly backups: BackupView[];
  /** The marker of the next page, when there is one. */
  readonly next?: string;
}

export async function listBackups(
  db: Kysely<Database>,
  filter: BackupFilter,
  page?: BackupPage,
): Promise<BackupListing> {
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
  if (page?.marker !== undefined) {
    const marker = await db
      .selectFrom('backups')
      .select(['updated_at', 'id'])
      .where('id', '=', page.marker)
      .executeTakeFirst();
    if (!marker) throw new NotFound({ resource: 'Backup', id: page.marker });
    query = query.where((eb) =>
      eb.or([
        eb('updated_at', '<', marker.updated_at),
        eb.and([eb('updated_at', '=', marker.updated_at), eb('id', '<', marker.id)]),
      ]),
    );
  }
  const ordered = query.orderBy('updated_at', 'desc').orderBy('id', 'desc');
  if (page === undefined) return { backups: (await ordered.execute()).map(backupView) };
  // One more than the page: whether there is a next page, without counting.
  const rows = await ordered.limit(page.limit + 1).execute();
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    backups: shown.map(backupView),
    ...(rows.length > page.limit && last ? { next: last.id } : {}),
  };
}

/** The backups of instance `id` within `tenant` (every project's for an admin), or 404. */
export async function instanceBackups(
  db: Kysely<Database>,
  tenant: ProjectScope,
  id: string,
): Promise<BackupView[]> {
  const instance = await loadInstance(db, tenant, id);
  return (await listBackups(db, { tenant, instanceId: instance.id })).backups;
}

/** Backup `id` within `tenant` (every project for an admin), or 404. */
export async function showBackup(
  db: Kysely<Database>,
  tenant: ProjectScope,
  id: string,
): Promise<BackupView> {
  return backupView(await loadBackup(db, tenant, id));
}
