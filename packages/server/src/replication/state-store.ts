// The last replication state each guest's heartbeat carried: written by the conductor, read by
// the instance views (the lag a replica shows), the promotion (the most caught-up replica) and
// the failover monitor.

import type { Kysely } from 'kysely';
import type { ReplicationState } from '@cellar/plugin-api';
import { now, type Database } from '../db/schema.js';

export interface RecordedState {
  readonly state: ReplicationState;
  readonly updatedAt: string;
}

export async function recordReplicationState(
  db: Kysely<Database>,
  instanceId: string,
  state: ReplicationState,
): Promise<void> {
  const row = { instance_id: instanceId, state: JSON.stringify(state), updated_at: now() };
  await db
    .insertInto('replication_states')
    .values(row)
    .onConflict((oc) =>
      oc.column('instance_id').doUpdateSet({ state: row.state, updated_at: row.updated_at }),
    )
    .execute();
}

/** The recorded states of these instances, by id. */
export async function replicationStates(
  db: Kysely<Database>,
  instanceIds: readonly string[],
): Promise<Map<string, RecordedState>> {
  if (instanceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('replication_states')
    .selectAll()
    .where('instance_id', 'in', instanceIds)
    .execute();
  return new Map(
    rows.map((row) => [
      row.instance_id,
      { state: JSON.parse(row.state) as ReplicationState, updatedAt: row.updated_at },
    ]),
  );
}
