// A restored RDB on its way into a new instance: checked and put in place as dump.rdb before the
// first start, then, once that start has loaded it, taken into the AOF when the instance uses one.

import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chown, open, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { spawnOptions, writeOwned, type Spawning } from '@cellar/plugin-api/processes';
import type { AdminSession } from './admin-session.js';
import type { InstanceFiles } from './instance-files.js';
import { RdbChecker, type RdbFacts } from './rdb-format.js';

const run = promisify(execFile);

/** Debian's redis-check-rdb: redis-server's own loader, without a server. */
export const REDIS_CHECK_RDB = '/usr/bin/redis-check-rdb';
const CHECK_TIMEOUT_MS = 10 * 60_000;
/** Rewriting a large dataset into the AOF's base comes before the instance is ready. */
const AOF_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 20;

/** What redis-check-rdb says went wrong: the lines after its error banner, or its last line. */
function checkRdbReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const banner = lines.findIndex((l) => l.includes('RDB ERROR DETECTED'));
  const said = banner >= 0 ? lines.slice(banner + 1, banner + 3) : lines.slice(-1);
  return said.filter(Boolean).join(' ') || 'no message';
}

/** redis-check-rdb on the file, as the server's user: the keys it read, or why it refused. */
async function checkRdb(file: string, spawning: Spawning): Promise<number | undefined> {
  try {
    const { stdout } = await run(REDIS_CHECK_RDB, [file], {
      ...spawnOptions(spawning, '/usr/bin:/bin'),
      timeout: CHECK_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 1024 * 1024,
    });
    const keys = /(\d+) keys read/.exec(stdout)?.[1];
    return keys === undefined ? undefined : Number(keys);
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? (error as Error).message;
    throw new Error(`redis-check-rdb refused the restored RDB: ${checkRdbReason(out)}`, {
      cause: error,
    });
  }
}

/**
 * Writes the backup's bytes as the data directory's dump.rdb, with the server stopped: through a
 * temporary name, checked as it is written (magic, end, CRC-64) and by redis-check-rdb, owned by
 * the server's user, then renamed. Any AOF is removed: Redis would load it instead of the RDB.
 * On failure nothing is left in the data directory.
 */
export async function placeRestoredRdb(
  files: InstanceFiles,
  spawning: Spawning,
  source: Readable,
  signal: AbortSignal,
): Promise<RdbFacts & { readonly keys?: number }> {
  const temporary = `${files.dumpFile}.restoring`;
  const checker = new RdbChecker();
  try {
    await pipeline(source, checker, createWriteStream(temporary, { mode: 0o600 }), { signal });
    const written = await open(temporary, 'r+');
    await written.sync().finally(() => written.close());
    if (spawning.user !== undefined) await chown(temporary, spawning.user.uid, spawning.user.gid);
    const keys = await checkRdb(temporary, spawning);
    await rm(files.aofDir, { recursive: true, force: true });
    // The marker first: a start that finds dump.rdb must know to load it without AOF.
    await writeOwned(files.restoredMarker, 'a restored dump.rdb waits to be loaded\n', undefined);
    await rename(temporary, files.dumpFile);
    const facts = checker.facts as RdbFacts;
    return keys === undefined ? facts : { ...facts, keys };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function persistenceInfo(admin: AdminSession): Promise<Map<string, string>> {
  const text = String(await admin.call('INFO', 'persistence'));
  return new Map(
    text.split('\r\n').flatMap((l) => {
      const at = l.indexOf(':');
      return at > 0 ? [[l.slice(0, at), l.slice(at + 1)] as const] : [];
    }),
  );
}

/** Enables AOF on the running server and waits until its base holds the whole dataset. */
async function startAof(admin: AdminSession): Promise<void> {
  await admin.call('CONFIG', 'SET', 'appendonly', 'yes');
  const deadline = Date.now() + AOF_TIMEOUT_MS;
  for (;;) {
    const info = await persistenceInfo(admin);
    const busy = info.get('aof_rewrite_in_progress') !== '0';
    if (!busy && info.get('aof_rewrite_scheduled') === '0') {
      if (info.get('aof_last_bgrewrite_status') !== 'ok' || info.get('aof_enabled') !== '1')
        throw new Error(`Redis could not write the restored data into its AOF (see its log)`);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`Redis did not finish its AOF within ${AOF_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * After the start that loaded a restored dump.rdb: with AOF, enable it now (its base is then the
 * restored data, and later starts load from it); without persistence, remove dump.rdb so that
 * the instance's data lives in memory only, as for every other write. Then the marker goes.
 */
export async function takeInRestored(files: InstanceFiles, admin: AdminSession): Promise<void> {
  if (files.persistence === 'aof') await startAof(admin);
  if (files.persistence === 'none') await rm(files.dumpFile, { force: true });
  await rm(files.restoredMarker, { force: true });
}
