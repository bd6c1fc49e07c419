// Redis' logs for the guest agent: its log file (`error`, SYS, as the other datastores' server
// logs) and its slow log (`slow_query`, USER). Redis keeps the slow log in memory (SLOWLOG GET,
// the slowest commands over slowlog-log-slower-than, 10 ms by default): while the log is enabled
// the guest appends the entries it has not seen to <logDir>/slowlog.log before each list and
// publish. Redis shows the arguments of AUTH, ACL SETUSER and the like as "(redacted)" there.
// Whether it is enabled and the last entry written are kept in <mount>/cellar-logs.json.

import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatastoreLogFile } from '@cellar/plugin-api';

export interface RedisLogsHost {
  readonly logFile: string;
  readonly logDir: string;
  readonly mountPoint: string;
  /** SLOWLOG GET's answer; undefined while the server is stopped. */
  slowlog(): Promise<unknown>;
}

interface Recorded {
  readonly slow_query: boolean;
  /** The id of the last slow log entry written to the file. */
  readonly lastId: number;
}

/** One SLOWLOG GET entry: id, unix time, microseconds, the command's words, client, its name. */
export interface SlowEntry {
  readonly id: number;
  readonly time: number;
  readonly micros: number;
  readonly words: readonly string[];
  readonly client: string;
}

const recordFile = (mountPoint: string): string => join(mountPoint, 'cellar-logs.json');

async function recorded(mountPoint: string): Promise<Recorded> {
  try {
    const parsed = JSON.parse(await readFile(recordFile(mountPoint), 'utf8')) as Partial<Recorded>;
    return {
      slow_query: parsed.slow_query === true,
      lastId: typeof parsed.lastId === 'number' ? parsed.lastId : -1,
    };
  } catch {
    return { slow_query: false, lastId: -1 };
  }
}

const record = (mountPoint: string, r: Recorded): Promise<void> =>
  writeFile(recordFile(mountPoint), `${JSON.stringify(r)}\n`, { mode: 0o600 });

/** SLOWLOG GET's answer as entries, oldest first; what does not have the shape is left out. */
export function slowEntries(answer: unknown): SlowEntry[] {
  if (!Array.isArray(answer)) return [];
  return answer
    .flatMap((e: unknown) => {
      if (!Array.isArray(e)) return [];
      const [id, time, micros, words, client] = e as unknown[];
      if (typeof id !== 'number' || typeof time !== 'number' || typeof micros !== 'number')
        return [];
      const text = Array.isArray(words) ? words.map(String) : [];
      return [{ id, time, micros, words: text, client: typeof client === 'string' ? client : '' }];
    })
    .sort((a, b) => a.id - b.id);
}

/** One line per entry: when, how long, who, and the command (each word JSON-quoted). */
export const slowLine = (e: SlowEntry): string =>
  `${new Date(e.time * 1000).toISOString()} ${e.micros} us ${e.client || '-'} ${e.words.map((w) => JSON.stringify(w)).join(' ')}\n`;

/**
 * The entries after `lastId`. Ids start again from 0 when the server restarts: a newest id below
 * `lastId` means every entry is new.
 */
export function newEntries(entries: readonly SlowEntry[], lastId: number): SlowEntry[] {
  const newest = entries.at(-1)?.id ?? -1;
  const since = newest < lastId ? -1 : lastId;
  return entries.filter((e) => e.id > since);
}

function slowLog(host: RedisLogsHost): DatastoreLogFile {
  const file = join(host.logDir, 'slowlog.log');
  const latest = async (): Promise<SlowEntry[] | undefined> => {
    const answer = await host.slowlog();
    return answer === undefined ? undefined : slowEntries(answer);
  };
  return {
    name: 'slow_query',
    type: 'USER',
    file,
    enabled: async () => (await recorded(host.mountPoint)).slow_query,
    // What Redis kept before the log was enabled is not written out.
    enable: async () => {
      const lastId = (await latest())?.at(-1)?.id ?? -1;
      await record(host.mountPoint, { slow_query: true, lastId });
    },
    disable: async () => {
      await record(host.mountPoint, { ...(await recorded(host.mountPoint)), slow_query: false });
    },
    refresh: async () => {
      const entries = await latest();
      if (entries === undefined) return;
      const before = await recorded(host.mountPoint);
      const added = newEntries(entries, before.lastId);
      if (added.length === 0) return;
      await appendFile(file, added.map(slowLine).join(''), { mode: 0o640 });
      await record(host.mountPoint, { ...before, lastId: added.at(-1)?.id ?? before.lastId });
    },
  };
}

export function redisLogs(host: RedisLogsHost): DatastoreLogFile[] {
  return [{ name: 'error', type: 'SYS', file: host.logFile }, slowLog(host)];
}
