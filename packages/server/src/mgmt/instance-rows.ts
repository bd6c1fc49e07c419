// Reading instances for the management API: every project's, deleted ones too (Trove's
// `deleted` filter), with the columns the instance views show and the deletion time.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ViewedRow } from '../instances/views.js';

/** A row as the management views show it: the instance view's columns and when it was deleted. */
export interface MgmtInstanceRow extends ViewedRow {
  readonly deleted_at: string | null;
}

export interface MgmtInstanceFilter {
  /** true: only deleted instances; false: only live ones; undefined: both. */
  readonly deleted?: boolean | undefined;
  /** Only this project's instances. */
  readonly projectId?: string | undefined;
}

function mgmtRows(db: Kysely<Database>) {
  return db
    .selectFrom('instances')
    .innerJoin('datastore_versions', 'datastore_versions.id', 'instances.datastore_version_id')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'instances.id')
    .select([
      'instances.id',
      'instances.name',
      'instances.tenant_id',
      'instances.flavor_id',
      'instances.volume_size',
      'instances.task_status',
      'instances.server_status',
      'instances.address',
      'instances.hostname',
      'instances.access',
      'instances.locality',
      'instances.created_at',
      'instances.updated_at',
      'instances.deleted_at',
      'instances.configuration_id',
      'instances.restart_required',
      'datastores.name as datastore',
      'datastore_versions.name as version',
      'service_statuses.status as service_status',
      'service_statuses.updated_at as service_updated_at',
    ]);
}

/** Up to `limit` instances of every project (or one), oldest first by id after `marker`. */
export function listMgmtRows(
  db: Kysely<Database>,
  filter: MgmtInstanceFilter,
  page: { readonly limit: number; readonly marker?: string | undefined },
): Promise<MgmtInstanceRow[]> {
  let query = mgmtRows(db);
  if (filter.deleted === true) query = query.where('instances.deleted_at', 'is not', null);
  if (filter.deleted === false) query = query.where('instances.deleted_at', 'is', null);
  if (filter.projectId !== undefined)
    query = query.where('instances.tenant_id', '=', filter.projectId);
  // Trove pages these by id: a marker is the last id of the page before.
  if (page.marker !== undefined) query = query.where('instances.id', '>', page.marker);
  return query.orderBy('instances.id').limit(page.limit).execute();
}

/** Any project's instance `id`, deleted or not; undefined when there never was one. */
export function findMgmtRow(
  db: Kysely<Database>,
  id: string,
): Promise<MgmtInstanceRow | undefined> {
  return mgmtRows(db).where('instances.id', '=', id).executeTakeFirst();
}
