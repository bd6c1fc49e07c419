// The `pg_basebackup` restore strategy (entry point `./restore`, cellar.restore.strategy): the
// full backup's tar extracted as the server's OS user into a fresh data directory, and for
// incrementals or a restore time the later WAL and recovery settings; the manager starts it.

import { rename, rm } from 'node:fs/promises';
import {
  defineRestoreStrategy,
  GuestError,
  type RestorePiece,
  type RestoreRun,
} from '@cellar/plugin-api';
import type { PostgresqlManager } from './guest.js';
import { writeRecoverySettings } from './recovery.js';
import { downloadWalForTarget } from './restore-wal.js';
import { feedTool, fillTool } from './tool-process.js';

async function layOut(run: RestoreRun<PostgresqlManager>): Promise<void> {
  const { files } = run.manager.backupHost;
  const [full, ...incrementals] = run.chain;
  if (full === undefined || full.backup.parent !== undefined)
    throw new GuestError({ reason: 'A restore needs the chain to begin with a full backup.' });
  const spawning = await files.spawning();
  await files.ownedDir(files.restoreDir, spawning.user);
  // As the server's user: tar would otherwise give the files to the owner named in the archive.
  const extract = async (dir: string, piece: RestorePiece): Promise<void> => {
    const args = ['-x', '-f', '-', '-C', dir];
    // zstd straight into tar when the agent can: the plain bytes are not copied through it.
    if (piece.pipeTo !== undefined)
      await fillTool('tar', args, spawning, piece.pipeTo.bind(piece), run.signal);
    else await feedTool('tar', args, spawning, await piece.open(), run.signal);
  };
  await extract(files.restoreDir, full);
  // A full backup alone to its end: its tar holds the WAL it needs (-X fetch), and the server's
  // crash recovery from backup_label replays it, as it would on any copy. No promotion, no new
  // timeline, no end-of-recovery wait; it refuses to start if that WAL ends before the backup's.
  if (incrementals.length === 0 && run.restoreTime === undefined) return;
  await files.ownedDir(files.restoreWalDir, spawning.user);
  for (const piece of incrementals) await extract(files.restoreWalDir, piece);
  if (run.restoreTime !== undefined)
    await downloadWalForTarget(run, files.restoreWalDir, spawning.user);
  await writeRecoverySettings(
    files.restoreDir,
    files.restoreWalDir,
    run.restoreTime,
    spawning.user,
  );
}

export default defineRestoreStrategy<PostgresqlManager>({
  name: 'pg_basebackup',
  datastore: 'postgresql',
  async restore(run) {
    const { files } = run.manager.backupHost;
    if (files.prepared)
      throw new GuestError({
        reason: `${files.dataDir} holds a database already: a backup is restored into a new instance only.`,
      });
    const leftovers = [files.restoreDir, files.restoreWalDir, files.dataDir];
    for (const dir of leftovers) await rm(dir, { recursive: true, force: true });
    try {
      await layOut(run);
      await rename(files.restoreDir, files.dataDir);
    } catch (error) {
      for (const dir of leftovers) await rm(dir, { recursive: true, force: true });
      throw error;
    }
    run.log.info('restored the data directory; the server replays its WAL when it starts', {
      backups: run.chain.map((piece) => piece.backup.id),
      ...(run.restoreTime === undefined ? {} : { restoreTime: run.restoreTime }),
    });
  },
});
