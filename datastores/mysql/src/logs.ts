// MariaDB's logs for the guest agent: `error` (the server's error log, SYS), and the general and
// slow query logs (USER). Which USER logs are on is kept in <mount>/cellar-logs.json and rendered
// into the option file before every start (logSettings); switching one sets it on the running
// server at once (SET GLOBAL), so neither needs a restart. The guest's own statements stay out of
// both logs (admin-session.ts: sql_log_off and a long_query_time no statement reaches).

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatastoreLogFile } from '@cellar/plugin-api';

export interface MariadbLogsHost {
  readonly mountPoint: string;
  readonly logDir: string;
  /** The server's error log. */
  readonly errorLog: string;
  /** `guest_log_long_query_time`, ms. */
  readonly longQueryMs: number;
  /** Runs a statement on the running server; nothing when it is stopped. */
  setGlobal(statement: string, values: readonly unknown[]): Promise<void>;
}

type Switched = 'general' | 'slow_query';
type Recorded = Partial<Record<Switched, boolean>>;

const recordFile = (mountPoint: string): string => join(mountPoint, 'cellar-logs.json');

function recorded(mountPoint: string): Recorded {
  try {
    const parsed: unknown = JSON.parse(readFileSync(recordFile(mountPoint), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { general, slow_query } = parsed as Record<string, unknown>;
    return { general: general === true, slow_query: slow_query === true };
  } catch {
    return {};
  }
}

const files = (logDir: string): Record<Switched, string> => ({
  general: join(logDir, 'general.log'),
  slow_query: join(logDir, 'slow.log'),
});

/** The option file's lines for the logs: rendered before every start, so what was enabled stays on. */
export function logSettings(
  host: Pick<MariadbLogsHost, 'mountPoint' | 'logDir' | 'longQueryMs'>,
): Record<string, string | number> {
  const on = recorded(host.mountPoint);
  const file = files(host.logDir);
  return {
    general_log_file: file.general,
    general_log: on.general === true ? 1 : 0,
    slow_query_log_file: file.slow_query,
    slow_query_log: on.slow_query === true ? 1 : 0,
    long_query_time: host.longQueryMs / 1000,
  };
}

async function change(host: MariadbLogsHost, log: Switched, on: boolean): Promise<void> {
  const record = { ...recorded(host.mountPoint), [log]: on };
  await writeFile(recordFile(host.mountPoint), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  const file = files(host.logDir)[log];
  if (log === 'general') {
    if (on) await host.setGlobal('SET GLOBAL general_log_file = ?', [file]);
    await host.setGlobal(`SET GLOBAL general_log = ${on ? 'ON' : 'OFF'}`, []);
  } else {
    if (on) {
      await host.setGlobal('SET GLOBAL slow_query_log_file = ?', [file]);
      await host.setGlobal('SET GLOBAL long_query_time = ?', [host.longQueryMs / 1000]);
    }
    await host.setGlobal(`SET GLOBAL slow_query_log = ${on ? 'ON' : 'OFF'}`, []);
  }
}

function userLog(host: MariadbLogsHost, log: Switched): DatastoreLogFile {
  return {
    name: log,
    type: 'USER',
    file: files(host.logDir)[log],
    enabled: () => Promise.resolve(recorded(host.mountPoint)[log] === true),
    enable: () => change(host, log, true),
    disable: () => change(host, log, false),
  };
}

export function mariadbLogs(host: MariadbLogsHost): DatastoreLogFile[] {
  return [
    { name: 'error', type: 'SYS', file: host.errorLog },
    userLog(host, 'general'),
    userLog(host, 'slow_query'),
  ];
}
