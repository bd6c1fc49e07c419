// Where this server's data goes to, for the heartbeat (replicationState) and for the control
// plane's switchover: the last position written or replayed, waited for, and the lag behind a source.

import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError, type ReplicationState } from '@cellar/plugin-api';
import { replicationFiles, type ReplicationHost } from './host.js';
import { isCellarSlot, lsnToNumber, slotName } from './positions.js';

const WAIT_TIMEOUT_MS = 120_000;
const POLL_MS = 100;

interface Position {
  readonly recovering: boolean;
  readonly lsn: string;
}

/** The replayed position on a replica, the written one on a source. */
async function position(host: ReplicationHost): Promise<Position> {
  const { rows } = await host.sql.query<Position>(
    `SELECT pg_is_in_recovery() AS recovering,
            (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                  ELSE pg_current_wal_lsn() END)::text AS lsn`,
  );
  const row = rows[0];
  return { recovering: row?.recovering === true, lsn: row?.lsn ?? '0/0' };
}

export async function latestTxnId(host: ReplicationHost): Promise<string> {
  return (await position(host)).lsn;
}

export async function lastTxn(host: ReplicationHost): Promise<readonly [string, string]> {
  const facts = await replicationFiles(host).read();
  const { lsn } = await position(host);
  return [facts.source?.sourceId ?? host.context.guestId, lsn];
}

/** Waits until this replica has replayed `txn`; a source has it already by definition. */
export async function waitForTxn(host: ReplicationHost, txn: string): Promise<void> {
  const target = lsnToNumber(txn);
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const now = await position(host);
    if (lsnToNumber(now.lsn) >= target) return;
    if (Date.now() > deadline)
      throw new GuestError({
        reason: `the replica replayed only up to ${now.lsn} of ${txn} within ${WAIT_TIMEOUT_MS / 1000} s`,
      });
    await sleep(POLL_MS);
  }
}

interface ReceiverRow {
  readonly streaming: boolean;
  readonly received: string | null;
  readonly lag_seconds: number | null;
}

/** A replica's lag: bytes received but not replayed, seconds since the last replayed commit if behind. */
async function replicaLag(host: ReplicationHost, replayed: number) {
  const { rows } = await host.sql.query<ReceiverRow>(
    `SELECT coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false) AS streaming,
            greatest(pg_last_wal_receive_lsn(),
                     (SELECT latest_end_lsn FROM pg_stat_wal_receiver))::text AS received,
            CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
            END AS lag_seconds`,
  );
  const row = rows[0];
  const received = row?.received == null ? replayed : lsnToNumber(row.received);
  return {
    streaming: row?.streaming === true,
    lagBytes: Math.max(0, received - replayed),
    ...(row?.lag_seconds == null ? {} : { lagSeconds: Math.max(0, row.lag_seconds) }),
  };
}

/** The source's connected replicas, by the application_name each connects with (its slot's name). */
async function connectedReplicas(host: ReplicationHost, ids: readonly string[]) {
  const { rows } = await host.sql.query<{ name: string; sync_state: string }>(
    'SELECT application_name AS name, sync_state FROM pg_stat_replication',
  );
  return rows
    .filter((row) => isCellarSlot(row.name))
    .flatMap((row) => {
      const id = ids.find((candidate) => slotName(candidate) === row.name);
      return id === undefined
        ? []
        : [{ id, synchronous: row.sync_state === 'sync' || row.sync_state === 'quorum' }];
    });
}

/** The heartbeat's replication state; undefined while the server does not answer. */
export async function replicationState(
  host: ReplicationHost,
): Promise<ReplicationState | undefined> {
  if (!host.files.prepared || host.server.running() === undefined) return undefined;
  try {
    const facts = await replicationFiles(host).read();
    const now = await position(host);
    const progress = lsnToNumber(now.lsn);
    if (now.recovering) {
      return {
        role: 'replica',
        ...(facts.source === undefined ? {} : { sourceId: facts.source.sourceId }),
        progress,
        position: now.lsn,
        ...(await replicaLag(host, progress)),
      };
    }
    const ids = facts.replicas.map((r) => r.id);
    return {
      role: facts.role === 'source' ? 'source' : 'standalone',
      progress,
      position: now.lsn,
      ...(ids.length > 0 ? { replicas: await connectedReplicas(host, ids) } : {}),
    };
  } catch {
    return undefined;
  }
}
