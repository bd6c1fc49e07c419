// The replica's half: a restored data directory started as a hot standby of its source, waited
// for until it streams, promoted when detached, and re-pointed at another source (rewound first
// when its data went past where the new source's history forked).

import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError, ReplicaDiverged, type ReplicationSource } from '@cellar/plugin-api';
import { logTail } from '@cellar/plugin-api/processes';
import { inRecovery, reloadIfRunning, replicationFiles, type ReplicationHost } from './host.js';
import { lsnToNumber } from './positions.js';
import { rewind } from './rewind.js';
import { STANDALONE } from './settings.js';

const STREAMING_TIMEOUT_MS = 60_000;
const PROMOTE_TIMEOUT_S = 60;
const POLL_MS = 200;

/** After a restore: a replica's settings (snapshot given) or none of the source's it was copied from. */
export async function afterRestore(
  host: ReplicationHost,
  snapshot: ReplicationSource | undefined,
): Promise<void> {
  const user = (await host.files.spawning()).user;
  const files = replicationFiles(host);
  if (snapshot === undefined) await files.write(STANDALONE, user);
  else
    await files.write(
      {
        role: 'replica',
        source: snapshot,
        replicas: [],
        readOnly: false,
        password: snapshot.password,
      },
      user,
    );
}

/** Whether the WAL receiver streams from the source now. */
export async function streaming(host: ReplicationHost): Promise<boolean> {
  const { rows } = await host.sql.query<{ status: string }>(
    'SELECT status FROM pg_stat_wal_receiver',
  );
  return rows[0]?.status === 'streaming';
}

/** Waits until the standby streams from its source; fails with the server log's end if it never does. */
export async function waitStreaming(
  host: ReplicationHost,
  timeoutMs = STREAMING_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await streaming(host).catch(() => false))) {
    if (Date.now() > deadline)
      throw new GuestError({
        reason: `the replica did not stream from its source within ${timeoutMs / 1000} s; the server log ends:\n${await logTail(host.files.logFile)}`,
      });
    await sleep(POLL_MS);
  }
}

/** Promotion: the standby stops following and accepts writes; answers its final position. */
export async function detachReplica(
  host: ReplicationHost,
): Promise<{ position: string; progress: number }> {
  const files = replicationFiles(host);
  const facts = await files.read();
  if (await inRecovery(host)) {
    const { rows } = await host.sql.query<{ done: boolean }>(
      'SELECT pg_promote(true, $1) AS done',
      [PROMOTE_TIMEOUT_S],
    );
    if (rows[0]?.done !== true)
      throw new GuestError({
        reason: `PostgreSQL did not finish promoting within ${PROMOTE_TIMEOUT_S} s`,
      });
    // pg_control takes the new timeline only at the next checkpoint; until then pg_rewind of the
    // former source would find both on one timeline and rewind nothing.
    await host.sql.query('CHECKPOINT');
  }
  const { source: _followed, ...rest } = facts;
  await files.write(
    { ...rest, role: 'standalone', readOnly: false },
    (await host.files.spawning()).user,
  );
  await reloadIfRunning(host);
  const { rows } = await host.sql.query<{ lsn: string }>(
    'SELECT pg_current_wal_lsn()::text AS lsn',
  );
  const position = rows[0]?.lsn ?? '0/0';
  return { position, progress: lsnToNumber(position) };
}

/**
 * Follow `source` from here on. A running standby is re-pointed with a reload and keeps its data
 * when the new source's timeline includes what it replayed; otherwise (and for a former source,
 * running or not) the server is stopped, rewound with pg_rewind and started as a standby.
 */
export async function attachReplica(
  host: ReplicationHost,
  source: ReplicationSource,
): Promise<void> {
  const files = replicationFiles(host);
  const facts = await files.read();
  const user = (await host.files.spawning()).user;
  const next = {
    ...facts,
    role: 'replica' as const,
    source,
    replicas: [],
    readOnly: false,
    password: source.password,
  };
  const running = host.server.running() !== undefined;
  if (running && (await inRecovery(host))) {
    await files.write(next, user);
    await host.server.reload();
    if (
      await waitStreaming(host, 15_000).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  await host.server.stop();
  try {
    await rewind(host, source);
  } catch (error) {
    if (error instanceof ReplicaDiverged) await restartAsBefore(host);
    throw error;
  }
  await files.write(next, user);
  await host.server.start(await host.files.spawning(), host.files.binDir());
  await waitStreaming(host);
}

/** A refused attach leaves the server as it was found rather than stopped. */
async function restartAsBefore(host: ReplicationHost): Promise<void> {
  await host.server.start(await host.files.spawning(), host.files.binDir()).catch(() => undefined);
}
