// PostgreSQL's logs for the guest agent. The server writes everything to one file (its stderr,
// postgresql.log): `error` is that file, `general` its statement entries (log_statement = all) and
// `slow_query` its duration entries (log_min_duration_statement). The two USER logs are switched in
// cellar-logs.conf in the data directory, included last from postgresql.conf so it wins over
// cellar.conf, and applied with a reload: neither needs a restart.

import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatastoreLogFile } from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';

export const LOGS_CONF = 'cellar-logs.conf';
const LOGS_INCLUDE = `include_if_exists = '${LOGS_CONF}'`;

/** Where an entry begins: log_line_prefix '%m [%p] ' (config.ts). */
const ENTRY_START = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \S+ \[\d+\] /;
const STATEMENT = /\bLOG: {2}(statement|execute [^:]*): /;
const DURATION = /\bLOG: {2}duration: [\d.]+ ms/;
const DURATION_WITH_TEXT = /\bLOG: {2}duration: [\d.]+ ms {2}(statement|execute|parse|bind)\b/;
const PID = /^\S+ \S+ \S+ \[(\d+)\]/;

/** The general log: the statement entries. */
const statements = () => (entry: string) => (STATEMENT.test(entry) ? entry : undefined);

/**
 * The slow query log: the duration entries. With the general log on too, PostgreSQL leaves the
 * statement out of its duration entry (it was logged already): the session's statement entry
 * before it is published with it.
 */
function slowStatements(): (entry: string) => string | undefined {
  const lastStatement = new Map<string, string>();
  return (entry) => {
    const pid = PID.exec(entry)?.[1] ?? '';
    if (STATEMENT.test(entry)) {
      lastStatement.set(pid, entry);
      return undefined;
    }
    if (!DURATION.test(entry)) return undefined;
    if (DURATION_WITH_TEXT.test(entry)) return entry;
    return `${lastStatement.get(pid) ?? ''}${entry}`;
  };
}

export interface PgLogsHost {
  readonly logFile: string;
  readonly dataDir: string;
  /** The OS user the server runs as, who must be able to read what is written. */
  user(): Promise<OsUser | undefined>;
  /** Re-reads the configuration of a running server; nothing when it is stopped. */
  reload(): Promise<void>;
  /** `guest_log_long_query_time`, ms. */
  readonly longQueryMs: number;
}

type Setting = 'log_statement' | 'log_min_duration_statement';

/** The settings cellar-logs.conf holds, as written by write() below. */
async function readSettings(dataDir: string): Promise<Map<Setting, string>> {
  const text = await readFile(join(dataDir, LOGS_CONF), 'utf8').catch(() => '');
  const settings = new Map<Setting, string>();
  for (const line of text.split('\n')) {
    const match = /^(log_statement|log_min_duration_statement) = (.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined)
      settings.set(match[1] as Setting, match[2]);
  }
  return settings;
}

async function change(
  host: PgLogsHost,
  setting: Setting,
  value: string | undefined,
): Promise<void> {
  const settings = await readSettings(host.dataDir);
  if (value === undefined) settings.delete(setting);
  else settings.set(setting, value);
  const lines = [...settings].map(([name, v]) => `${name} = ${v}`);
  const text = `# Written by the Cellar guest agent: the guest logs users enabled.\n${lines.join('\n')}\n`;
  await writeOwned(join(host.dataDir, LOGS_CONF), text, await host.user());
  const main = join(host.dataDir, 'postgresql.conf');
  if (!(await readFile(main, 'utf8')).split('\n').includes(LOGS_INCLUDE))
    await appendFile(
      main,
      `\n# The guest logs users enabled, after Cellar's settings.\n${LOGS_INCLUDE}\n`,
    );
  await host.reload();
}

function userLog(
  host: PgLogsHost,
  name: string,
  setting: Setting,
  on: string,
  pick: () => (entry: string) => string | undefined,
): DatastoreLogFile {
  return {
    name,
    type: 'USER',
    file: host.logFile,
    entryStart: ENTRY_START,
    pick,
    enabled: async () => (await readSettings(host.dataDir)).has(setting),
    enable: () => change(host, setting, on),
    disable: () => change(host, setting, undefined),
  };
}

export function postgresqlLogs(host: PgLogsHost): DatastoreLogFile[] {
  return [
    { name: 'error', type: 'SYS', file: host.logFile },
    userLog(host, 'general', 'log_statement', "'all'", statements),
    userLog(
      host,
      'slow_query',
      'log_min_duration_statement',
      String(host.longQueryMs),
      slowStatements,
    ),
  ];
}
