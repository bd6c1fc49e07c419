// The memory a database server holds, read from /proc: what the metrics of a heartbeat report as
// memory_bytes. /proc/<pid>/status is readable for another user's processes, smaps is not.

import { readFile } from 'node:fs/promises';
import { readProcesses, withDescendants } from './proc.js';

/** A status file's field in bytes (the kernel writes kB), 0 when it is not there. */
function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * The resident memory of a server and its child processes: each one's private memory, plus the
 * shared memory once (PostgreSQL's backends all map the same shared buffers, counted at their
 * largest mapping rather than once per backend). Undefined when the server is not there.
 */
export async function serverMemoryBytes(pid: number): Promise<number | undefined> {
  const pids = withDescendants(await readProcesses(), [pid]);
  let private_ = 0;
  let shared = 0;
  let seen = false;
  for (const each of pids) {
    const status = await readFile(`/proc/${each}/status`, 'utf8').catch(() => undefined);
    if (status === undefined) continue;
    seen = true;
    private_ += kilobytes(status, 'RssAnon');
    shared = Math.max(shared, kilobytes(status, 'RssShmem'));
  }
  return seen ? private_ + shared : undefined;
}
