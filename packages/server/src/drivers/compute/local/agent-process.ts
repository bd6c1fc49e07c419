// Starting a guest agent's process (detached, as its OS user, with a clean environment and its
// output in a file), ending one, and reading what a failed one said for the fault a user reads.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { childEnvironment } from '@cellar/plugin-api/processes';
import type { GuestProgram } from './guest-program.js';
import type { OsUser } from './os-users.js';

/**
 * A new agent process, detached, as `user`: a standby (loaded, waiting on its IPC channel for an
 * instance) or one started for an instance with its arguments.
 */
export function spawnAgent(
  program: GuestProgram,
  argv: readonly string[],
  output: string,
  user: OsUser | undefined,
): ChildProcess {
  const fd = openSync(output, 'a', 0o640);
  try {
    // The agent appends to it too, after it has an instance.
    if (user) fchownSync(fd, user.uid, user.gid);
    return spawn(process.execPath, [...program.args, ...argv], {
      detached: true,
      stdio: ['ignore', fd, fd, ...(argv[0] === '--standby' ? (['ipc'] as const) : [])],
      cwd: program.cwd,
      env: childEnvironment(),
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, and a short wait for the exit: nothing else may keep this process alive meanwhile. */
export async function endProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  // The grace timer is cleared once the child is gone: left pending, it would hold a stopping
  // Cellar up for the rest of the grace after its last process ended.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (grace = setTimeout(r, graceMs)))]);
  clearTimeout(grace);
}

/**
 * What a failed guest said, for the fault a user reads: from its last error line (a start-up
 * refusal or an uncaught error), without stack frames; its last lines when it named no error.
 */
export async function tail(file: string, lines = 8): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trimEnd();
  } catch {
    return 'it wrote nothing';
  }
  const all = text.split('\n');
  let from = -1;
  all.forEach((line, i) => {
    if (/^(\w*Error\b|the guest agent (did not start|failed))/.test(line)) from = i;
  });
  const picked = (from >= 0 ? all.slice(from) : all.slice(-lines)).filter(
    (line) => !/^\s+at /.test(line) && line.trim() !== '',
  );
  return picked.slice(0, lines).join(' | ') || 'it wrote nothing';
}
