// MariaDB's backup tools (mariabackup, mbstream) run as the instance's OS user, each in a process
// group of its own so a cancelled backup or restore ends it and whatever it started, leaving nothing.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnOptions, type OsUser, type Spawning } from '@cellar/plugin-api/processes';

/** The Debian package that provides mariabackup and mbstream. */
export const BACKUP_PACKAGE = 'mariadb-backup';
const TOOL_DIRS = ['/usr/bin', '/usr/local/bin'];
const TOOL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** Lines of a tool's stderr kept for its failure: the end is where it says what went wrong. */
const KEPT_LINES = 40;
/** The line mariabackup ends a good run with; a failed one may still exit 0 through a pipe. */
const COMPLETED = 'completed OK!';

export type Tool = 'mariabackup' | 'mbstream';

/** Where a tool is installed; the error says which package provides it when it is not. */
export function findTool(tool: Tool, dirs: readonly string[] = TOOL_DIRS): string {
  const found = dirs.map((dir) => join(dir, tool)).find((path) => existsSync(path));
  if (found === undefined)
    throw new Error(
      `${tool} is not installed on this host (looked in ${dirs.join(', ')}): install Debian's ${BACKUP_PACKAGE}.`,
    );
  return found;
}

/** A line of mariabackup's log without its `[00] 2026-11-30 12:00:00 ` prefix. */
const bare = (line: string): string =>
  line.replace(/^\[\d+\]\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+/, '').trim();

/** The line that says why a tool failed: the last that names an error, else the last one. */
export function lastErrorLine(lines: readonly string[]): string {
  const kept = lines.map(bare).filter((line) => line.length > 0);
  const error = kept.findLast((line) =>
    /error|denied|fatal|failed|can't|cannot|not found|no such/i.test(line),
  );
  return error ?? kept.at(-1) ?? '(no output)';
}

/** Whether mariabackup's output ends the way a good run does. */
export const completedOk = (lines: readonly string[]): boolean =>
  bare(lines.findLast((line) => line.trim().length > 0) ?? '').endsWith(COMPLETED);

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of its stderr, line by line. */
  readonly stderr: readonly string[];
}

export interface RunningTool {
  readonly child: ChildProcess;
  /** Settles when the tool has exited and its output is closed; never rejects. */
  readonly exited: Promise<ToolExit>;
  /** Kills the tool's whole process group at once: a cancelled backup keeps nothing running. */
  kill(): void;
}

const killGroup = (pid: number | undefined): void => {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
};

/**
 * Starts a tool as the instance's OS user with stdout piped (and stdin piped when `input`), its
 * own process group, and `signal` killing that group.
 */
export function startTool(
  program: string,
  args: readonly string[],
  s: Spawning,
  options: { readonly input: boolean; readonly signal: AbortSignal },
): RunningTool {
  const child = spawn(program, args, {
    ...spawnOptions(s, TOOL_PATH),
    stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const kill = (): void => killGroup(child.pid);
  let tail: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    tail = [...tail, ...lines].slice(-KEPT_LINES);
  });
  const onAbort = (): void => kill();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) kill();
  const exited = new Promise<ToolExit>((resolve) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      options.signal.removeEventListener('abort', onAbort);
      // Whatever the tool started and left behind goes with it.
      kill();
      resolve({ code, signal, stderr: partial === '' ? tail : [...tail, partial] });
    };
    child.on('error', (error) => {
      tail.push(error.message);
      settle(null, null);
    });
    child.on('close', settle);
  });
  return { child, exited, kill };
}

/** Why a tool's run is not good, in one line; undefined when it exited 0. */
export function exitProblem(tool: string, exit: ToolExit): string | undefined {
  if (exit.code === 0) return undefined;
  const how =
    exit.signal !== null ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  return `${tool} ${how}: ${lastErrorLine(exit.stderr)}`;
}

/** Runs a tool to its end; rejects with its last error line unless it exits 0. */
export async function runTool(
  tool: Tool,
  args: readonly string[],
  s: Spawning,
  signal: AbortSignal,
): Promise<ToolExit> {
  const running = startTool(findTool(tool), args, s, { input: false, signal });
  running.child.stdout?.resume();
  const exit = await running.exited;
  signal.throwIfAborted();
  const problem = exitProblem(tool, exit);
  if (problem !== undefined) throw new Error(problem);
  return exit;
}

/** A new, empty directory of the OS user's (0700): the tools run as that user write into it. */
export async function ownedDir(path: string, user: OsUser | undefined): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  if (user !== undefined) await chown(path, user.uid, user.gid);
}
