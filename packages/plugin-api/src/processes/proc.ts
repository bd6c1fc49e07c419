// The machine's processes as /proc shows them, and ending a set of them the way a database
// server wants: SIGINT first (PostgreSQL's fast shutdown), SIGKILL to what is left after a grace
// period. One helper for the local compute driver, the guest, datastores, benches and tests.

import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessEntry {
  readonly ppid: number;
  /** Its process group. */
  readonly pgrp: number;
}

/** Every live process (zombies left out) by PID, read from /proc/<pid>/stat. */
export async function readProcesses(): Promise<Map<number, ProcessEntry>> {
  const table = new Map<number, ProcessEntry>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name, in parentheses, may hold spaces: the fields start after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z')
        table.set(Number(entry), { ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // Gone while we looked.
    }
  }
  return table;
}

/**
 * Whether pid is a live process: a zombie (ended, not yet reaped) is not. EPERM means it exists
 * under another user.
 */
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
    // Gone since, or /proc hides it: the signal said it was there.
    return true;
  }
}

/** The live children of a process. */
export async function childrenOf(pid: number): Promise<number[]> {
  return [...(await readProcesses())].filter(([, p]) => p.ppid === pid).map(([child]) => child);
}

/** These processes and all their descendants. */
export function withDescendants(
  table: ReadonlyMap<number, ProcessEntry>,
  roots: Iterable<number>,
): number[] {
  const found = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of table) {
      if (!found.has(pid) && found.has(p.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Where a process works (its cwd), or undefined when it is gone or not ours to see. */
export function workingDir(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/cwd`).catch(() => undefined);
}

/** A process's command line, arguments joined by NULs; empty when it is gone or not ours to see. */
export function commandLine(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
}

/**
 * The processes of these process groups that work in `dir` or name it (a PID reused since is
 * someone else's), and all their descendants. Descendants count too: PostgreSQL's server
 * processes each lead a group of their own.
 */
export async function processTree(groups: readonly number[], dir: string): Promise<number[]> {
  const table = await readProcesses();
  const roots = [...table].filter(([, p]) => groups.includes(p.pgrp)).map(([pid]) => pid);
  const ours = await Promise.all(
    roots.map(
      async (pid) =>
        (await workingDir(pid))?.startsWith(`${dir}/`) === true ||
        (await commandLine(pid)).includes(dir),
    ),
  );
  return withDescendants(
    table,
    roots.filter((_, i) => ours[i]),
  );
}

/** Sends a signal to each process; one already gone is skipped. */
export function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ends what `find` finds: SIGINT, then SIGKILL to whatever `find` still finds after `graceMs`,
 * waiting up to 5 s more for those to go. Answers the PIDs that had to be killed.
 */
export async function endProcesses(
  find: () => Promise<number[]>,
  graceMs: number,
): Promise<number[]> {
  const until = async (deadline: number): Promise<number[]> => {
    let left = await find();
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(25);
      left = await find();
    }
    return left;
  };
  const first = await find();
  if (first.length === 0) return [];
  signal(first, 'SIGINT');
  const stubborn = await until(Date.now() + graceMs);
  if (stubborn.length === 0) return [];
  signal(stubborn, 'SIGKILL');
  await until(Date.now() + 5_000);
  return stubborn;
}
