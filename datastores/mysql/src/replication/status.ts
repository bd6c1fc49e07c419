// What the server says about replication: its GTID positions, the replica threads' status, and
// waiting until a position is applied; read by the heartbeat's state and by the promotion steps.

import { GuestError } from '@cellar/plugin-api';
import type { AdminSession } from '../admin-session.js';
import type { Query } from './account.js';
import { parseGtids } from './gtid.js';

export interface Positions {
  /** The last transaction per domain in this server's binary log. */
  readonly binlog: string;
  /** The last transaction per domain in the binary log, per server too (for divergence checks). */
  readonly binlogState: string;
  /** The last transaction per domain applied from a source. */
  readonly slave: string;
  /** What this server has: its own last writes, else what it applied from its source. */
  readonly current: string;
  readonly readOnly: boolean;
}

export async function positions(query: Query | AdminSession): Promise<Positions> {
  const run: Query = typeof query === 'function' ? query : query.query.bind(query);
  const [row] = await run<Record<string, string | number>>(
    'SELECT @@GLOBAL.gtid_binlog_pos AS binlog, @@GLOBAL.gtid_binlog_state AS binlogState, ' +
      '@@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_current_pos AS current, ' +
      '@@GLOBAL.read_only AS readOnly',
  );
  return {
    binlog: String(row?.['binlog'] ?? ''),
    binlogState: String(row?.['binlogState'] ?? ''),
    slave: String(row?.['slave'] ?? ''),
    current: String(row?.['current'] ?? ''),
    readOnly: Number(row?.['readOnly']) === 1,
  };
}

/** The replica threads as SHOW SLAVE STATUS reports them; undefined when none is set up. */
export interface SlaveStatus {
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly secondsBehind: number | undefined;
  readonly ioErrno: number;
  readonly ioError: string;
  readonly sqlError: string;
  /** The last GTID the IO thread received (written to the relay log). */
  readonly ioPos: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export async function slaveStatus(query: Query): Promise<SlaveStatus | undefined> {
  const [row] = await query('SHOW SLAVE STATUS');
  if (row === undefined) return undefined;
  const behind = row['Seconds_Behind_Master'];
  return {
    ioRunning: String(row['Slave_IO_Running']),
    sqlRunning: String(row['Slave_SQL_Running']),
    secondsBehind: behind === null || behind === undefined ? undefined : Number(behind),
    ioErrno: Number(row['Last_IO_Errno'] ?? 0),
    ioError: text(row['Last_IO_Error']),
    sqlError: text(row['Last_SQL_Error']),
    ioPos: text(row['Gtid_IO_Pos']),
  };
}

export const streaming = (s: SlaveStatus | undefined): boolean =>
  s?.ioRunning === 'Yes' && s.sqlRunning === 'Yes';

/**
 * Waits until this server has applied `gtid` from its source (MASTER_GTID_WAIT), failing after
 * timeoutS with both positions named; '' (a source with no transaction yet) is reached at once.
 */
export async function waitApplied(query: Query, gtid: string, timeoutS: number): Promise<void> {
  if (gtid.trim() === '') return;
  // A source, or a replica past it already: MASTER_GTID_WAIT would wait on gtid_slave_pos.
  const have = parseGtids((await positions(query)).current);
  const reached = parseGtids(gtid).every((g) =>
    have.some((h) => h.domain === g.domain && h.sequence >= g.sequence),
  );
  if (reached) return;
  const [row] = await query<{ reached: number | null }>(
    'SELECT MASTER_GTID_WAIT(?, ?) AS reached',
    [gtid, timeoutS],
  );
  if (Number(row?.reached) === 0) return;
  const now = await positions(query);
  throw new GuestError({
    reason: `this replica did not apply up to GTID ${gtid} within ${timeoutS} s (it is at '${now.slave}')`,
  });
}
