// What instance views show of replication, as Trove does: `replica_of` {id, links} on a replica,
// `replicas` [{id, links}] on a source; and beyond Trove, on the detail, `replication` with the
// role, position and lag the guest's last heartbeat reported.

import type { Kysely } from 'kysely';
import { resourceLinks, type Link } from '../api/links.js';
import type { Database } from '../db/schema.js';
import { replicationStates, type RecordedState } from './state-store.js';

export interface ReplicationLinks {
  readonly replicaOf?: string;
  readonly replicas: readonly string[];
}

/** Who follows whom among these instances (one query for a whole page). */
export async function replicationLinks(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, ReplicationLinks>> {
  const found = new Map<string, { replicaOf?: string; replicas: string[] }>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('replicas')
    .innerJoin('instances', 'instances.id', 'replicas.instance_id')
    .select(['replicas.instance_id', 'replicas.source_id', 'instances.created_at'])
    .where('instances.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([eb('replicas.instance_id', 'in', ids), eb('replicas.source_id', 'in', ids)]),
    )
    .orderBy('instances.created_at')
    .execute();
  const entry = (id: string) => {
    const known = found.get(id) ?? { replicas: [] };
    found.set(id, known);
    return known;
  };
  for (const row of rows) {
    if (ids.includes(row.instance_id)) entry(row.instance_id).replicaOf = row.source_id;
    if (ids.includes(row.source_id)) entry(row.source_id).replicas.push(row.instance_id);
  }
  return found;
}

export interface ReplicationFields {
  replica_of?: { id: string; links: Link[] };
  replicas?: { id: string; links: Link[] }[];
}

export function replicationFields(
  links: ReplicationLinks | undefined,
  base: string,
  tenant: string,
): ReplicationFields {
  const link = (id: string) => ({ id, links: resourceLinks(base, tenant, 'instances', id) });
  const fields: ReplicationFields = {};
  if (links?.replicaOf !== undefined) fields.replica_of = link(links.replicaOf);
  if (links !== undefined && links.replicas.length > 0) fields.replicas = links.replicas.map(link);
  return fields;
}

export interface ReplicationStateView {
  role: string;
  position: string;
  streaming?: boolean;
  lag_bytes?: number;
  lag_seconds?: number;
  updated: string;
}

/** The detail's `replication`: the guest's last report, when it made one. */
export async function replicationStateView(
  db: Kysely<Database>,
  id: string,
): Promise<ReplicationStateView | undefined> {
  const recorded: RecordedState | undefined = (await replicationStates(db, [id])).get(id);
  if (recorded === undefined) return undefined;
  const { state } = recorded;
  return {
    role: state.role,
    position: state.position,
    ...(state.streaming === undefined ? {} : { streaming: state.streaming }),
    ...(state.lagBytes === undefined ? {} : { lag_bytes: state.lagBytes }),
    ...(state.lagSeconds === undefined ? {} : { lag_seconds: state.lagSeconds }),
    updated: recorded.updatedAt,
  };
}
