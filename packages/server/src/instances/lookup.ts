// Reading an instance with its datastore, version and service status: shared by every instance
// service (show, actions, databases, users, root) and the lists. Only the columns views and
// checks use are read: materialising rows is most of what a list costs.

import type { Expression, Kysely } from 'kysely';
import { NotFound } from '@cellar/plugin-api';
import { prepareQuery, type PreparedQuery } from '../db/prepared.js';
import { ReadCache } from '../db/read-cache.js';
import type { Database, InstanceFault } from '../db/schema.js';
import type { ProjectScope } from '../policy/admin-context.js';
import type { InstanceRow, ViewedRow } from './views.js';

/** Instances not deleted, with the columns the views show; lists read no more than these. */
function viewedRows(db: Kysely<Database>) {
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
      'instances.configuration_id',
      'instances.restart_required',
      'instances.created_at',
      'instances.updated_at',
    ])
    .select([
      'datastores.name as datastore',
      'datastore_versions.name as version',
      'service_statuses.status as service_status',
      'service_statuses.updated_at as service_updated_at',
    ])
    .where('instances.deleted_at', 'is', null);
}

/** The viewed columns and what actions on one instance need besides: its version and RPC key. */
export function instanceRows(db: Kysely<Database>) {
  return viewedRows(db).select(['instances.datastore_version_id', 'instances.rpc_key']);
}

const oneRow = new WeakMap<
  Kysely<Database>,
  PreparedQuery<{ tenant: string; id: string }, InstanceRow>
>();
const anyProjectRow = new WeakMap<Kysely<Database>, PreparedQuery<{ id: string }, InstanceRow>>();

/** The project's instance `id` (no row when none), compiled once per database. */
export function instanceRowQuery(
  db: Kysely<Database>,
): PreparedQuery<{ tenant: string; id: string }, InstanceRow> {
  let query = oneRow.get(db);
  if (!query) {
    query = prepareQuery(db, (slot) =>
      instanceRows(db)
        .where('instances.id', '=', slot('id'))
        .where('instances.tenant_id', '=', slot('tenant')),
    );
    oneRow.set(db, query);
  }
  return query;
}

/** Any project's instance `id` (no row when none), compiled once per database. */
function anyProjectRowQuery(db: Kysely<Database>): PreparedQuery<{ id: string }, InstanceRow> {
  let query = anyProjectRow.get(db);
  if (!query) {
    query = prepareQuery(db, (slot) => instanceRows(db).where('instances.id', '=', slot('id')));
    anyProjectRow.set(db, query);
  }
  return query;
}

/** Instance `id` within `scope` (a project, or every project for an admin); undefined if none. */
export async function findInstance(
  db: Kysely<Database>,
  scope: ProjectScope,
  id: string,
): Promise<InstanceRow | undefined> {
  const rows =
    scope === undefined
      ? await anyProjectRowQuery(db)({ id })
      : await instanceRowQuery(db)({ tenant: scope, id });
  return rows[0];
}

/**
 * Instance `id` within `scope`, or 404: another project's instance is indistinguishable from
 * none, except to an admin, whose scope is every project.
 */
export async function loadInstance(
  db: Kysely<Database>,
  scope: ProjectScope,
  id: string,
): Promise<InstanceRow> {
  const row = await findInstance(db, scope, id);
  if (!row) throw new NotFound({ resource: 'Instance', id });
  return row;
}

/** Where a page starts: after this instance in list order (newest first, then by id). */
export interface Marker {
  readonly created_at: string;
  readonly id: string;
}

export type Fault = Pick<InstanceFault, 'instance_id' | 'message' | 'created_at' | 'details'>;

/** What a list shows: the rows of a page (and one more when there is a next page), their faults. */
export interface Listing {
  readonly rows: readonly ViewedRow[];
  /** Empty when the list's view shows no faults. */
  readonly faults: ReadonlyMap<string, Fault>;
}

/**
 * The queries of instance lists, compiled once: a list runs three of them per request, and
 * building each with Kysely cost more than SQLite took to answer it. Whole listings are kept
 * while the database does not change: clients poll lists, and a page costs far more to read
 * than to check the change stamp.
 */
export class InstanceLists {
  readonly #listings: ReadCache<Listing | undefined>;
  readonly #first: PreparedQuery<{ tenant: string; limit: number }, ViewedRow>;
  readonly #after: PreparedQuery<
    { tenant: string; limit: number; createdAt: string; id: string },
    ViewedRow
  >;
  readonly #marker: PreparedQuery<{ id: string; tenant: string }, Marker>;
  /** Fault queries by the number of instances asked about (at most a page's size). */
  readonly #faults = new Map<number, PreparedQuery<Readonly<Record<string, string>>, Fault>>();

  constructor(
    private readonly db: Kysely<Database>,
    changeStamp: () => Promise<string>,
  ) {
    this.#listings = new ReadCache(changeStamp);
    const newestFirst = (tenant: Expression<string>) =>
      viewedRows(db)
        .where('instances.tenant_id', '=', tenant)
        .orderBy('instances.created_at', 'desc')
        .orderBy('instances.id', 'desc');
    this.#first = prepareQuery(db, (slot) => newestFirst(slot('tenant')).limit(slot('limit')));
    this.#after = prepareQuery(db, (slot) =>
      newestFirst(slot('tenant'))
        .where((eb) =>
          eb.or([
            eb('instances.created_at', '<', slot('createdAt')),
            eb.and([
              eb('instances.created_at', '=', slot('createdAt')),
              eb('instances.id', '<', slot('id')),
            ]),
          ]),
        )
        .limit(slot('limit')),
    );
    // Another project's instance is no marker: its existence is not this caller's to learn.
    this.#marker = prepareQuery(db, (slot) =>
      db
        .selectFrom('instances')
        .select(['created_at', 'id'])
        .where('id', '=', slot('id'))
        .where('tenant_id', '=', slot('tenant')),
    );
  }

  /**
   * Up to `limit` of the project's instances in list order, after instance `markerId` when
   * given, with their faults when asked for; undefined when the marker is no instance.
   */
  listing(
    tenant: string,
    limit: number,
    markerId: string | undefined,
    withFaults: boolean,
  ): Promise<Listing | undefined> {
    const key = `${tenant}\0${limit}\0${withFaults ? 'faults' : ''}\0${markerId ?? ''}`;
    return this.#listings.get(key, async () => {
      const marker = markerId === undefined ? undefined : await this.marker(tenant, markerId);
      if (markerId !== undefined && !marker) return undefined;
      const rows = await this.page(tenant, limit, marker);
      return { rows, faults: withFaults ? await this.faults(rows.map((r) => r.id)) : new Map() };
    });
  }

  /** Up to `limit` of the project's instances in list order, after `marker` when given. */
  page(tenant: string, limit: number, marker?: Marker): Promise<ViewedRow[]> {
    return marker
      ? this.#after({ tenant, limit, createdAt: marker.created_at, id: marker.id })
      : this.#first({ tenant, limit });
  }

  /** Where the list continues after the project's instance `id`, if it has such an instance. */
  async marker(tenant: string, id: string): Promise<Marker | undefined> {
    return (await this.#marker({ id, tenant }))[0];
  }

  /** The newest fault of each of these instances that has any. */
  async faults(instanceIds: readonly string[]): Promise<Map<string, Fault>> {
    const newest = new Map<string, Fault>();
    if (instanceIds.length === 0) return newest;
    const rows = await this.#faultQuery(instanceIds.length)(
      Object.fromEntries(instanceIds.map((id, i) => [`id${i}`, id])),
    );
    for (const f of rows) if (!newest.has(f.instance_id)) newest.set(f.instance_id, f);
    return newest;
  }

  /** Inputs id0 … id<count-1>. */
  #faultQuery(count: number): PreparedQuery<Readonly<Record<string, string>>, Fault> {
    let query = this.#faults.get(count);
    if (!query) {
      query = prepareQuery(this.db, (slot) =>
        this.db
          .selectFrom('instance_faults')
          .select(['instance_id', 'message', 'created_at', 'details'])
          .where(
            'instance_id',
            'in',
            Array.from({ length: count }, (_, i) => slot(`id${i}`)),
          )
          .orderBy('created_at', 'desc'),
      );
      this.#faults.set(count, query);
    }
    return query;
  }
}
