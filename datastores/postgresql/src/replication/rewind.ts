// pg_rewind of a stopped server onto a new source: the blocks changed since their histories forked
// are copied back from the source, so a former source can follow the replica promoted after it.
// The source's copies of Cellar's settings files are put back as this server had them.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestError, ReplicaDiverged, type ReplicationSource } from '@cellar/plugin-api';
import { runProgram, writeOwned } from '@cellar/plugin-api/processes';
import { message } from '../admin-session.js';
import type { ReplicationHost } from './host.js';
import { rewindConninfo } from './positions.js';
import { confString, REPLICATION_CONF } from '../config.js';
import { restoreCommand } from '../wal-archive.js';

const REWIND_TIMEOUT_MS = 30 * 60_000;

/** The settings files at the top of the data directory, which pg_rewind replaces with the source's. */
async function ownSettings(dataDir: string): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  for (const name of await readdir(dataDir)) {
    if (name.endsWith('.conf')) kept.set(name, await readFile(join(dataDir, name), 'utf8'));
  }
  return kept;
}

/** Connection failures are worth retrying; the rest means this data cannot follow that source. */
const unreachable = (output: string): boolean =>
  /could not connect|connection to server|timeout expired|password authentication failed/i.test(
    output,
  );

export async function rewind(host: ReplicationHost, source: ReplicationSource): Promise<void> {
  const { dataDir } = host.files;
  const spawning = await host.files.spawning();
  const kept = await ownSettings(dataDir);
  // The WAL back to the last common checkpoint may be recycled already: pg_rewind then reads it
  // from the instance's archive with this restore_command (only while it runs).
  const command = `restore_command = ${confString(restoreCommand(host.files.archiveDir))}\n`;
  await writeOwned(join(dataDir, REPLICATION_CONF), command, spawning.user);
  try {
    await runProgram(
      join(host.files.binDir(), 'pg_rewind'),
      [
        `--target-pgdata=${dataDir}`,
        `--source-server=${rewindConninfo(source)}`,
        '--restore-target-wal',
      ],
      spawning,
      undefined,
      { timeoutMs: REWIND_TIMEOUT_MS },
    );
  } catch (error) {
    const output = message(error).replaceAll(source.password, '********');
    if (unreachable(output))
      throw new GuestError({ reason: `pg_rewind could not reach the source: ${output}` });
    throw new ReplicaDiverged({
      instance: host.context.guestId,
      source: source.sourceId,
      reason: output,
    });
  } finally {
    for (const [name, text] of kept) await writeOwned(join(dataDir, name), text, spawning.user);
  }
}
