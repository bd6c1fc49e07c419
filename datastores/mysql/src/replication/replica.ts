// The replica's side: following a source by GTID from a restored backup's position or from where
// it is, refusing a source whose history lacks its transactions, and stopping to take writes.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError, type ReplicationSource } from '@cellar/plugin-api';
import { unlogged, type Query } from './account.js';
import { ReplicaDiverged } from './errors.js';
import { formatGtids, missingFrom, parseBinlogInfo, parseGtids } from './gtid.js';
import { forgetRole, readRole } from './settings.js';
import { checkMariadb, writeRole, type ReplicationHost } from './source.js';
import { positions, slaveStatus, streaming, waitApplied, type SlaveStatus } from './status.js';

/** How long a replica has to connect to its source and start applying. */
const CONNECT_TIMEOUT_MS = 60_000;
/** How long a replica being promoted has to apply what it received before it stops. */
const APPLY_TIMEOUT_S = 300;
/** The source answered that it lacks the GTID the replica asked to start after. */
const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
/** How long both threads must run before a connection counts as accepted by the source. */
const STEADY_MS = 1_000;

/** The files a mariabackup backup records its binary log position in (10.11, and 11.x's name). */
const BINLOG_INFO = ['xtrabackup_binlog_info', 'mariadb_backup_binlog_info'];

/** The GTID position the restored backup recorded in the data directory. */
export async function restoredPosition(dataDir: string): Promise<string> {
  for (const name of BINLOG_INFO) {
    const path = join(dataDir, name);
    if (existsSync(path)) return parseBinlogInfo(await readFile(path, 'utf8'));
  }
  throw new GuestError({
    reason: `the restored backup has no ${BINLOG_INFO.join(' or ')}: it was not taken with binary logs on, so no replica can start from it`,
  });
}

/** Points the replica threads at the source, from gtid_slave_pos, and starts them; read-only. */
async function follow(query: Query, source: ReplicationSource): Promise<void> {
  // A former synchronous source serves no replica now: as its option file will say at restart.
  await query('SET GLOBAL rpl_semi_sync_master_enabled = 0');
  await query(
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
      'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5',
    [source.host, source.port, source.user, source.password],
  );
  await query('SET GLOBAL read_only = 1');
  await query('START SLAVE');
}

async function stopFollowing(query: Query): Promise<void> {
  await query('STOP SLAVE');
  await query('RESET SLAVE ALL');
}

/**
 * Until both replica threads have run for a second (the source refuses a position it lacks just
 * after the connection), or the source refused; the error names the server's own words when they
 * do not start within the deadline.
 */
async function untilStreaming(query: Query, source: ReplicationSource): Promise<SlaveStatus> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  let since: number | undefined;
  for (;;) {
    const status = await slaveStatus(query);
    if (status?.ioErrno === ER_MASTER_FATAL_ERROR_READING_BINLOG) return status;
    if (streaming(status) && status?.ioErrno === 0) {
      since ??= Date.now();
      if (Date.now() - since >= STEADY_MS) return status;
    } else since = undefined;
    if (Date.now() > deadline)
      throw new GuestError({
        reason: `this replica did not start following ${source.host}:${source.port} within ${CONNECT_TIMEOUT_MS / 1000} s: ${status?.ioError || status?.sqlError || 'no error reported'}`,
      });
    await sleep(100);
  }
}

/** After a seeding restore: follow the source from the GTID position the backup recorded. */
export async function seedReplica(host: ReplicationHost, source: ReplicationSource): Promise<void> {
  checkMariadb(host);
  const role = await readRole(host.mountPoint);
  // A repeated prepare finds the replica following already: starting again from the backup's
  // position would apply its transactions twice.
  if (role?.role === 'replica' && role.sourceId === source.sourceId) return;
  const position = await restoredPosition(host.files.dataDir);
  await writeRole(host, {
    role: 'replica',
    sourceId: source.sourceId,
    host: source.host,
    port: source.port,
    synchronous: source.synchronous,
  });
  await unlogged(host.sql, async (query) => {
    await query('STOP SLAVE');
    await query('RESET SLAVE ALL');
    // What this server logged for itself since the restore (its accounts) is no transaction of
    // the source's: the log starts empty, and the source's position is what was applied.
    await query('RESET MASTER');
    await query('SET GLOBAL gtid_slave_pos = ?', [position]);
    await follow(query, source);
    const status = await untilStreaming(query, source);
    if (status.ioErrno !== 0)
      throw new GuestError({
        reason: `the source refused to stream from the backup's position ${position}: ${status.ioError}`,
      });
  });
}

/**
 * Follows `source` from what this server has (its own last writes when it was a source), after
 * checking that the source has all of them; refused with ReplicaDiverged otherwise, left read-only.
 */
export async function attachToSource(
  host: ReplicationHost,
  source: ReplicationSource,
): Promise<void> {
  checkMariadb(host);
  await unlogged(host.sql, async (query) => {
    await query('SET GLOBAL read_only = 1');
    const mine = await positions(query);
    const extra = source.extra ?? {};
    const listed = (key: string): string => {
      const value = extra[key];
      return typeof value === 'string' ? value : '';
    };
    const theirs = parseGtids(listed('gtid_binlog_state'));
    const applied = parseGtids(listed('gtid_slave_pos'));
    const missing = missingFrom(parseGtids(mine.current), theirs, applied);
    const refuse = (gtids: string): Error =>
      new ReplicaDiverged({
        instance: host.guestId,
        source: source.sourceId,
        reason: `it has transactions the source never had (${gtids}); seed it again from a backup of the source`,
      });
    if (missing.length > 0) throw refuse(formatGtids(missing));
    await stopFollowing(query);
    await query('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_current_pos');
    await writeRole(host, {
      role: 'replica',
      sourceId: source.sourceId,
      host: source.host,
      port: source.port,
      synchronous: source.synchronous,
    });
    await follow(query, source);
    const status = await untilStreaming(query, source);
    if (status.ioErrno === ER_MASTER_FATAL_ERROR_READING_BINLOG) {
      // The source itself says its log lacks where this server is: the same divergence. The
      // server stays read-only until it is seeded again.
      await stopFollowing(query);
      throw refuse(`${mine.current} (${status.ioError})`);
    }
  });
}

/**
 * Stops following and takes writes: what the source sent is applied first (with semi-sync, a
 * commit the source acknowledged may be received but not yet applied); answers the final position.
 */
export async function detachFromSource(
  host: ReplicationHost,
): Promise<{ sourceId: string | undefined; position: string }> {
  checkMariadb(host);
  const role = await readRole(host.mountPoint);
  return unlogged(host.sql, async (query) => {
    if ((await slaveStatus(query)) !== undefined) {
      await query('STOP SLAVE IO_THREAD');
      // Read once the receiving stopped: all it wrote to the relay log is applied first.
      const received = await slaveStatus(query);
      if (received?.sqlRunning === 'Yes') await waitApplied(query, received.ioPos, APPLY_TIMEOUT_S);
      await stopFollowing(query);
    }
    await forgetRole(host.mountPoint);
    await query('SET GLOBAL read_only = 0');
    const now = await positions(query);
    return {
      sourceId: role?.role === 'replica' ? role.sourceId : undefined,
      position: now.current,
    };
  });
}
