// The PostgreSQL processes the guest runs: initdb, and the postmaster started directly (not via
// pg_ctl, for its real PID and no 100 ms waits), found again from postmaster.pid, stopped by PID.

import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, stopServer, worksIn, type Spawning } from '@cellar/plugin-api/processes';

/** Readiness is polled this often: the server is typically ready some 50 ms after it starts. */
const POLL_MS = 10;

/**
 * Starts the postmaster with its stderr appended to logFile; a failed exec is reported through
 * waitReady (exitCode).
 */
export function startPostmaster(
  bin: string,
  dataDir: string,
  logFile: string,
  s: Spawning,
): ChildProcess {
  return startServer(join(bin, 'postgres'), ['-D', dataDir], logFile, s);
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

/** The postmaster running on dataDir, when postmaster.pid names a live postgres process there. */
export function runningPostmaster(dataDir: string): PidFile | undefined {
  const file = readPidFile(dataDir);
  return file !== undefined && worksIn(file.pid, dataDir) ? file : undefined;
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
export function stopPostmaster(pid: number, timeoutMs: number): Promise<void> {
  return stopServer(pid, { signal: 'SIGINT', timeoutMs, name: 'postgres' });
}
