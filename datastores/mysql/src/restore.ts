// The `mariabackup` restore strategy: each backup of the chain extracted with mbstream, the full one
// prepared, each incremental applied to it, and the result renamed in as the instance's data directory.

import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { defineRestoreStrategy, type RestorePiece, type RestoreRun } from '@cellar/plugin-api';
import type { Spawning } from '@cellar/plugin-api/processes';
import {
  exitProblem,
  findTool,
  lastErrorLine,
  ownedDir,
  runTool,
  startTool,
} from './backup-tools.js';
import { checkChain, type MariabackupMeta } from './checkpoints.js';
import type { MysqlManager } from './guest.js';

/**
 * mariabackup's own files in a prepared backup, which a data directory has no use for; all but
 * the GTID position the backup recorded, which a replica seeded from it starts replicating after.
 */
const BACKUP_FILES = /^(xtrabackup_(?!binlog_info$).*|backup-my\.cnf)$/;

/**
 * Extracts one backup's stream into dir. mbstream exits 0 when it cannot write into a directory
 * that is not empty, so the directory is checked first; a stream that errors (a checksum
 * mismatch found at its end) fails the extraction with its own error, whatever mbstream says.
 */
async function extract(
  piece: RestorePiece,
  dir: string,
  s: Spawning,
  signal: AbortSignal,
): Promise<void> {
  if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty: mbstream would fail`);
  const tool = startTool(findTool('mbstream'), ['-x', '-C', dir], s, { input: true, signal });
  tool.child.stdout?.resume();
  const stdin = tool.child.stdin;
  if (stdin === null) throw new Error('mbstream has no input');
  try {
    await pipeline(await piece.open(), stdin, { signal });
  } catch (error) {
    const endedFirst = tool.child.exitCode !== null;
    tool.kill();
    const exit = await tool.exited;
    // mbstream gave up first and the stream could not go on: mbstream says why.
    const problem = endedFirst && exitProblem('mbstream', exit);
    if (typeof problem === 'string')
      throw new Error(`backup ${piece.backup.id}: ${problem}`, { cause: error });
    throw error;
  }
  const exit = await tool.exited;
  const problem =
    exitProblem('mbstream', exit) ??
    // Its errors, exit status 0 or not, are the only lines it writes without -v.
    (exit.stderr.some((line) => line.trim() !== '')
      ? `mbstream failed: ${lastErrorLine(exit.stderr)}`
      : undefined);
  if (problem !== undefined) throw new Error(`backup ${piece.backup.id}: ${problem}`);
}

/** The extracted backup is the one recorded: a stream cut short lacks its checkpoints. */
async function checkExtracted(dir: string, id: string, meta: MariabackupMeta): Promise<void> {
  const path = join(dir, 'xtrabackup_checkpoints');
  const found = existsSync(path) ? await readFile(path, 'utf8') : undefined;
  if (found !== meta.checkpoints)
    throw new Error(
      `backup ${id} is incomplete: its xtrabackup_checkpoints ${found === undefined ? 'is missing' : 'differs from the one recorded'}`,
    );
}

async function restoreChain(run: RestoreRun<MysqlManager>): Promise<void> {
  const metas = checkChain(run.chain.map((piece) => piece.backup));
  findTool('mbstream');
  findTool('mariabackup');
  const { dataDir, stagingDir, spawning } = await run.manager.restoreTarget();
  if (existsSync(dataDir)) throw new Error(`${dataDir} exists: a restore makes a new one`);
  const { signal } = run;
  await rm(stagingDir, { recursive: true, force: true });
  await ownedDir(stagingDir, spawning.user);
  try {
    const dirs: string[] = [];
    for (const [i, piece] of run.chain.entries()) {
      const dir = join(stagingDir, i === 0 ? 'full' : `incremental-${i}`);
      await ownedDir(dir, spawning.user);
      run.log.info('extracting backup', { backup: piece.backup.id });
      await extract(piece, dir, spawning, signal);
      await checkExtracted(dir, piece.backup.id, metas[i] as MariabackupMeta);
      dirs.push(dir);
    }
    const [full, ...incrementals] = dirs as [string, ...string[]];
    // No host option file: the backup's own backup-my.cnf says what it needs.
    await runTool(
      'mariabackup',
      ['--no-defaults', '--prepare', `--target-dir=${full}`],
      spawning,
      signal,
    );
    for (const incremental of incrementals)
      await runTool(
        'mariabackup',
        ['--no-defaults', '--prepare', `--target-dir=${full}`, `--incremental-dir=${incremental}`],
        spawning,
        signal,
      );
    for (const name of await readdir(full))
      if (BACKUP_FILES.test(name)) await rm(join(full, name), { force: true });
    await rename(full, dataDir);
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

export default defineRestoreStrategy<MysqlManager>({
  name: 'mariabackup',
  datastore: 'mysql',
  restore: restoreChain,
});
