// The redis-server process: started directly as the guest's OS user (it runs as root too, but
// must not), found again from its pid file and working directory, and stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { REDIS_SERVER } from './server.js';

export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

export interface Spawning {
  readonly user?: OsUser;
  readonly home: string;
}

const POLL_MS = 10;

/**
 * Starts redis-server on confFile, its output appended to logFile (errors before it opens its own
 * log land there too). It stays in the agent's process group, which a delete ends, but does not
 * keep the agent's event loop alive.
 */
export function startRedis(confFile: string, logFile: string, s: Spawning): ChildProcess {
  const log = openSync(logFile, 'a', 0o600);
  try {
    if (s.user !== undefined) fchownSync(log, s.user.uid, s.user.gid);
    const child = spawn(REDIS_SERVER, [confFile], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: s.home },
      stdio: ['ignore', log, log],
      ...(s.user ?? {}),
    });
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(log);
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
 * The PID of the redis-server serving dataDir, from its pid file: only when that process is alive
 * and works in dataDir (Redis changes to its dir), so a stale file naming a reused PID is ignored.
 */
export function runningRedis(pidFile: string, dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SIGTERM: Redis saves (with persistence on) and exits. A save that fails keeps it running, so the
 * wait is bounded and the error says to look at the log.
 */
export async function stopRedis(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `redis-server (PID ${pid}) did not stop within ${timeoutMs / 1000} s; a failed final save keeps it running (see its log)`,
      );
    await sleep(POLL_MS);
  }
}
