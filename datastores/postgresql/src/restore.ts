// The `pg_basebackup` restore strategy (entry point `./restore`, cellar.restore.strategy): the
// full backup's tar extracted as the server's OS user into a fresh data directory, the later WAL
// laid out beside it, recovery settings written; the manager's start then replays and promotes.

import { rename, rm } from 'node:fs/promises';
import { defineRestoreStrategy, GuestError, type RestoreRun } from '@cellar/plugin-api';
import type { PostgresqlManager } from './guest.js';
import { writeRecoverySettings } from './recovery.js';
import { downloadWalForTarget } from './restore-wal.js';
import { feedTool } from './tool-process.js';

async function layOut(run: RestoreRun<PostgresqlManager>): Promise<void> {
  const { files } = run.manager.backupHost;
  const [full, ...incrementals] = run.chain;
  if (full === undefined || full.backup.parent !== undefined)
    throw new GuestError({ reason: 'A restore needs the chain to begin with a full backup.' });
  const spawning = await files.spawning();
  await files.ownedDir(files.restoreDir, spawning.user);
  await files.ownedDir(files.restoreWalDir, spawning.user);
  // As the server's user: tar would otherwise give the files to the owner named in the archive.
  const extract = async (dir: string, piece: (typeof run.chain)[number]): Promise<void> =>
    feedTool('tar', ['-x', '-f', '-', '-C', dir], spawning, await piece.open(), run.signal);
  await extract(files.restoreDir, full);
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
