// The PostgreSQL processes the guest runs: initdb, and the postmaster started directly (not via
// pg_ctl, for its real PID and no 100 ms waits), found again from postmaster.pid, stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childEnvironment, isAlive } from '@cellar/plugin-api/processes';

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

/** Readiness is polled this often: the server is typically ready some 50 ms after it starts. */
const POLL_MS = 10;

function spawnOptions(s: Spawning): {
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
} {
  // cwd / avoids "could not change directory" when root's home is not the server user's.
  return {
    cwd: '/',
    env: childEnvironment({ home: s.home }),
    ...(s.user ?? {}),
  };
}

/** Runs a program to completion; its output, interleaved, goes into the error when it fails. */
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
 * Starts the postmaster with its stderr appended to logFile. The child stays in the guest
 * agent's process group (the compute driver ends a deleted instance's processes by group) but
 * does not keep the agent's event loop alive.
 */
export function startPostmaster(
  bin: string,
  dataDir: string,
  logFile: string,
  s: Spawning,
): ChildProcess {
  const log = openSync(logFile, 'a', 0o600);
  try {
    if (s.user !== undefined) fchownSync(log, s.user.uid, s.user.gid);
    const child = spawn(join(bin, 'postgres'), ['-D', dataDir], {
      ...spawnOptions(s),
      stdio: ['ignore', log, log],
    });
    // A failed exec is reported through waitReady (exitCode); without a listener it would throw.
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

export interface PidFile {
  readonly pid: number;
  /** Line 8 of postmaster.pid (PostgreSQL 10 and later): starting, ready, stopping, standby. */
  readonly status: string;
}

/** postmaster.pid, as the running server keeps it; undefined when there is none. */
export function readPidFile(dataDir: string): PidFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, status: (lines[7] ?? '').trim() } : undefined;
}

/** The postmaster running on dataDir, when postmaster.pid names a live postgres process. */
export function runningPostmaster(dataDir: string): PidFile | undefined {
  const file = readPidFile(dataDir);
  if (file === undefined || !isAlive(file.pid)) return undefined;
  try {
    // A stale pid file whose PID now belongs to some other process (another instance's server
    // among them) is not our server: the postmaster works in its own data directory.
    if (readlinkSync(`/proc/${file.pid}/cwd`) !== realpathSync(dataDir)) return undefined;
  } catch {
    // The process is not ours to look at, or gone: not our server.
    return undefined;
  }
  return file;
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

/** Waits until the child's postmaster.pid says ready; rejects when it exits first or the time runs out. */
export async function waitReady(
  dataDir: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  if (child.pid === undefined) throw new Error('postgres could not be started');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `postgres exited with ${child.signalCode ?? `status ${child.exitCode}`} while starting`,
      );
    }
    const file = readPidFile(dataDir);
    if (file !== undefined && file.pid === child.pid && file.status === 'ready') return;
    if (Date.now() > deadline)
      throw new Error(`postgres was not ready within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** Fast shutdown (SIGINT: connected clients are disconnected) and waits until the process is gone. */
export async function stopPostmaster(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`postgres (PID ${pid}) did not stop within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}
