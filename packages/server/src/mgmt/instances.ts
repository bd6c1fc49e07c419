// The management API's instance reads: every project's instances (deleted ones on request), and
// one instance with its root history and its history of operations, as Trove's /mgmt shows them.

import { BadRequest, NotFound } from '@cellar/plugin-api';
import type { InstanceDeps } from '../instances/deps.js';
import { operationView } from '../instances/operation-views.js';
import { timelinesOf } from '../instances/timeline.js';
import { troveTime, type ViewContext } from '../instances/views.js';
import { findMgmtRow, listMgmtRows, type MgmtInstanceRow } from './instance-rows.js';
import {
  mgmtInstanceDetailView,
  mgmtInstanceView,
  type MgmtInstanceDetailView,
  type MgmtInstanceView,
} from './instance-views.js';

export type MgmtDeps = Pick<InstanceDeps, 'db' | 'heartbeatExpiry' | 'pageSize'>;

export interface MgmtListQuery {
  readonly deleted?: string | undefined;
  readonly project_id?: string | undefined;
  readonly include_clustered?: string | undefined;
  readonly limit?: string | undefined;
  readonly marker?: string | undefined;
}

export interface MgmtListing {
  readonly instances: MgmtInstanceView[];
  readonly links?: { rel: 'next'; href: string }[];
}

/** Trove's `deleted` query flag: true, false (either case), or absent for both. */
export function deletedFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new BadRequest({
    reason: `deleted=${value} is not a choice: give deleted=true (only deleted instances), deleted=false (only live ones), or leave it out (both)`,
  });
}

/** A page of every project's instances (or `project_id`'s), by id, as Trove pages them. */
export async function listMgmtInstances(
  deps: MgmtDeps,
  v: ViewContext,
  query: MgmtListQuery,
): Promise<MgmtListing> {
  const pageSize = deps.pageSize ?? 20;
  const limit = Math.min(Number(query.limit ?? pageSize) || pageSize, pageSize);
  const deleted = deletedFlag(query.deleted);
  const rows = await listMgmtRows(
    deps.db,
    { deleted, projectId: query.project_id || undefined },
    { limit: limit + 1, marker: query.marker },
  );
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  const instances = shown.map((row) => mgmtInstanceView(row, v));
  if (rows.length <= limit || !last) return { instances };
  const next = new URLSearchParams({
    ...(query.deleted === undefined ? {} : { deleted: query.deleted }),
    ...(query.project_id === undefined ? {} : { project_id: query.project_id }),
    limit: String(limit),
    marker: last.id,
  });
  return {
    instances,
    links: [{ rel: 'next', href: `${v.base}/v1.0/${v.tenant}/mgmt/instances?${next.toString()}` }],
  };
}

/** Any project's instance `id` (a deleted one only with `deleted`), or 404. */
export async function loadMgmtInstance(
  deps: Pick<MgmtDeps, 'db'>,
  id: string,
  deleted = false,
): Promise<MgmtInstanceRow> {
  const row = await findMgmtRow(deps.db, id);
  if (!row || (row.deleted_at !== null && !deleted))
    throw new NotFound({ resource: 'Instance', id });
  return row;
}

/** One instance of any project with its root history and operation timeline. */
export async function showMgmtInstance(
  deps: MgmtDeps,
  v: ViewContext,
  id: string,
  deletedQuery?: string,
): Promise<MgmtInstanceDetailView> {
  const row = await loadMgmtInstance(deps, id, deletedFlag(deletedQuery) === true);
  const [root, timelines, fault] = await Promise.all([
    rootRecord(deps, row.id),
    timelinesOf(deps.db, row.id),
    deps.db
      .selectFrom('instance_faults')
      .select(['message', 'created_at', 'details'])
      .where('instance_id', '=', row.id)
      .orderBy('created_at', 'desc')
      .executeTakeFirst(),
  ]);
  const history = timelines.map((t) => operationView(t.operation, t.steps, v.base, v.tenant));
  return mgmtInstanceDetailView(row, v, fault ? { fault } : {}, root, history);
}

/** When root was first enabled on the instance and by whom; undefined when never. */
export function rootRecord(deps: Pick<MgmtDeps, 'db'>, instanceId: string) {
  return deps.db
    .selectFrom('root_history')
    .select(['created_at', 'user_id'])
    .where('instance_id', '=', instanceId)
    .orderBy('created_at')
    .executeTakeFirst();
}

/** Trove's `root_history` of any project's instance: when and by whom, or Never and Nobody. */
export async function rootHistory(
  deps: Pick<MgmtDeps, 'db'>,
  id: string,
): Promise<{ id: string; enabled: string; user: string }> {
  const row = await loadMgmtInstance(deps, id);
  const root = await rootRecord(deps, row.id);
  return {
    id: row.id,
    enabled: troveTime(root?.created_at ?? null) ?? 'Never',
    user: root?.user_id ?? 'Nobody',
  };
}
