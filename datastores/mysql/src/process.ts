// The server processes the guest runs: the initialiser run to completion, and mariadbd/mysqld
// started directly (its real PID, no mysqld_safe), found again from its pid file, stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The OS identity to run the server as; undefined runs it as this process's own user. */
export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

export interface Spawning {
  readonly user?: OsUser;
  /** HOME for the server: somewhere the guest's OS user owns. */
  readonly home: string;
}

const POLL_MS = 10;

function spawnOptions(s: Spawning): {
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
} {
  // HOME matters: the server and its tools would read ~/.my.cnf otherwise.
  return {
    cwd: '/',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: s.home },
    ...(s.user ?? {}),
  };
}

/** Runs a program to completion; its output goes into the error when it fails. */
export function run(program: string, args: readonly string[], s: Spawning): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...spawnOptions(s), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${program} exited with ${signal ?? `status ${code}`}:\n${output.trim()}`),
        );
    });
  });
}

/**
 * Starts the server with its output appended to logFile. The child stays in the guest agent's
 * process group (the compute driver ends a deleted instance's processes by group) but does not
 * keep the agent's event loop alive.
 */
export function startServer(
  program: string,
  args: readonly string[],
  logFile: string,
  s: Spawning,
): ChildProcess {
  const log = openSync(logFile, 'a', 0o600);
  try {
    if (s.user !== undefined) fchownSync(log, s.user.uid, s.user.gid);
    const child = spawn(program, args, { ...spawnOptions(s), stdio: ['ignore', log, log] });
    // A failed exec shows as the child's exit while waiting for it; without a listener it would throw.
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** The PID in a pid file; undefined when there is none. */
export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether pid is a live process (a zombie is not); EPERM means it exists under another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * The server running on dataDir, by its pid file. A stale file whose PID now belongs to another
 * process is not our server: mariadbd and mysqld work in their data directory.
 */
export function runningServer(pidFile: string, dataDir: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(dataDir)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/** The end of a log file, for errors about a server that would not start. */
export async function logTail(logFile: string, bytes = 2000): Promise<string> {
  try {
    const file = await open(logFile, 'r');
    try {
      const { size } = await file.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await file.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8').trim();
    } finally {
      await file.close();
    }
  } catch {
    return '(no server log)';
  }
}

/** SIGTERM (a clean shutdown: sessions ended, InnoDB flushed) and waits until the process is gone. */
export async function stopServer(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`the server (PID ${pid}) did not stop within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}
