// The `mariabackup` backup strategy: a full or incremental backup of the instance's MariaDB server,
// streamed as mbstream straight from mariabackup; its checkpoints become the backup's meta.

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineBackupStrategy,
  type BackupRun,
  type BackupSource,
  type Json,
} from '@cellar/plugin-api';
import { writeOwned } from '@cellar/plugin-api/processes';
import {
  completedOk,
  exitProblem,
  findTool,
  lastErrorLine,
  ownedDir,
  startTool,
  type ToolExit,
} from './backup-tools.js';
import { parentCheckpoints, parseCheckpoints } from './checkpoints.js';
import type { MysqlManager } from './guest.js';

const CHECKPOINTS = 'xtrabackup_checkpoints';

const cancelled = (signal: AbortSignal): Error => {
  const { reason } = signal as { reason: unknown };
  return new Error(
    `the backup was cancelled: ${reason instanceof Error ? reason.message : String(reason)}`,
  );
};

/** Why a finished mariabackup run is no backup; undefined when it is one. */
export function backupProblem(exit: ToolExit): string | undefined {
  const problem = exitProblem('mariabackup', exit);
  if (problem !== undefined) return problem;
  if (!completedOk(exit.stderr))
    return `mariabackup did not complete: ${lastErrorLine(exit.stderr)}`;
  return undefined;
}

async function takeBackup(run: BackupRun<MysqlManager>): Promise<BackupSource> {
  if (run.signal.aborted) throw cancelled(run.signal);
  const program = findTool('mariabackup');
  const access = await run.manager.backupAccess();
  const { workDir, spawning } = access;
  const lsnDir = join(workDir, 'lsn');
  await rm(workDir, { recursive: true, force: true });
  await ownedDir(workDir, spawning.user);
  await ownedDir(lsnDir, spawning.user);
  // The option file first: mariabackup reads only it, none of the host's option files.
  const args = [
    `--defaults-file=${access.optionFile}`,
    '--backup',
    '--stream=mbstream',
    `--target-dir=${join(workDir, 'target')}`,
    `--extra-lsndir=${lsnDir}`,
  ];
  const parent = run.backup.parent;
  if (parent !== undefined) {
    const baseDir = join(workDir, 'parent');
    await ownedDir(baseDir, spawning.user);
    await writeOwned(join(baseDir, CHECKPOINTS), parentCheckpoints(parent), spawning.user);
    args.push(`--incremental-basedir=${baseDir}`);
  }
  run.log.info('mariabackup starts', { backup: run.backup.id, incremental: parent !== undefined });
  const tool = startTool(program, args, spawning, { input: false, signal: run.signal });
  const stream = tool.child.stdout;
  if (stream === null) throw new Error('mariabackup has no output stream');
  const onAbort = (): void => {
    stream.destroy(cancelled(run.signal));
  };
  run.signal.addEventListener('abort', onAbort, { once: true });
  // A reader that gives up (the storage failed) leaves no mariabackup writing into nothing; a
  // stream read to its end is mariabackup's own end, which it goes on to report.
  stream.on('close', () => {
    if (!stream.readableEnded) tool.kill();
  });
  const done = (async (): Promise<Readonly<Record<string, Json>>> => {
    try {
      const exit = await tool.exited;
      if (run.signal.aborted) throw cancelled(run.signal);
      const problem = backupProblem(exit);
      if (problem !== undefined) throw new Error(problem);
      return { ...parseCheckpoints(await readFile(join(lsnDir, CHECKPOINTS), 'utf8')) };
    } finally {
      run.signal.removeEventListener('abort', onAbort);
      await rm(workDir, { recursive: true, force: true });
    }
  })();
  // Its reader learns why from done; a reader that stopped at a failed stream crashes nothing.
  done.catch(() => undefined);
  return { stream, done };
}

export default defineBackupStrategy<MysqlManager>({
  name: 'mariabackup',
  datastore: 'mysql',
  incremental: true,
  backup: takeBackup,
});
