// A datastore server's process, the way each guest runs one: its tools run to completion, the
// server started directly (its real PID), found again by pid file and data directory, stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchownSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './proc.js';
import { spawnOptions, type Spawning } from './run-as.js';

/** How often a stop looks whether the server is gone. */
const POLL_MS = 10;

/** How long a tool (initdb, mariadb-install-db) may run before it is taken for hung. */
export const RUN_PROGRAM_TIMEOUT_MS = 5 * 60_000;

export interface RunProgramOptions {
  /** Killed (SIGKILL) and failed past this; RUN_PROGRAM_TIMEOUT_MS by default. */
  readonly timeoutMs?: number;
}

/** Runs a program to completion; its output, interleaved, goes into the error when it fails. */
export function runProgram(
  program: string,
  args: readonly string[],
  s: Spawning,
  path?: string,
  options: RunProgramOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...spawnOptions(s, path),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // A hung tool would hold the guest's prepare forever. Failed at once: processes it started
    // may keep its output open, and 'close' waits for that.
    const timeoutMs = options.timeoutMs ?? RUN_PROGRAM_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${program} did not finish within ${timeoutMs / 1000} s and was killed:\n${output.trim()}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`${program} exited with ${signal ?? `status ${code}`}:\n${output.trim()}`),
        );
    });
  });
}

/**
 * Starts a server with its output appended to logFile (owned by the server's user). The child
 * stays in the guest agent's process group (the compute driver ends a deleted instance's
 * processes by group) but does not keep the agent's event loop alive.
 */
export function startServer(
  program: string,
  args: readonly string[],
  logFile: string,
  s: Spawning,
  path?: string,
): ChildProcess {
  const log = openSync(logFile, 'a', 0o600);
  try {
    if (s.user !== undefined) fchownSync(log, s.user.uid, s.user.gid);
    const child = spawn(program, args, { ...spawnOptions(s, path), stdio: ['ignore', log, log] });
    // A failed exec shows as the child's exit while waiting for it; without a listener it would throw.
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** The PID on a pid file's first line; undefined when there is none. */
export function readPid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n', 1)[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether pid is a live process working in dataDir. A stale pid file whose PID now belongs to
 * another process (another instance's server among them) is not our server: the servers Cellar
 * runs (postgres, mariadbd, mysqld, redis-server) each work in their own data directory.
 */
export function worksIn(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    // The process is not ours to look at, or gone: not our server.
    return false;
  }
}

/** The server running on dataDir by its pid file, or undefined. */
export function runningServer(pidFile: string, dataDir: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && worksIn(pid, dataDir) ? pid : undefined;
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

export interface StopBySignal {
  /** The signal that asks this server for its clean shutdown. */
  readonly signal: NodeJS.Signals;
  readonly timeoutMs: number;
  /** The server in the error's words (`postgres`, `the server`). */
  readonly name: string;
  /** Said after the error when the server outlives the wait, e.g. where to look. */
  readonly hint?: string;
}

/**
 * Sends the server its shutdown signal and waits until the process is gone; rejects when it
 * outlives timeoutMs (never killed: a server still saving must not lose the save). Gone already
 * is stopped.
 */
export async function stopServer(pid: number, stop: StopBySignal): Promise<void> {
  try {
    process.kill(pid, stop.signal);
  } catch {
    return;
  }
  const deadline = Date.now() + stop.timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `${stop.name} (PID ${pid}) did not stop within ${stop.timeoutMs / 1000} s${stop.hint === undefined ? '' : `; ${stop.hint}`}`,
      );
    await sleep(POLL_MS);
  }
}
