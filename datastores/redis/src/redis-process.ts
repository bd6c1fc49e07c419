// The redis-server process: started directly as the guest's OS user (it runs as root too, but
// must not), found again from its pid file and working directory, and stopped by PID.

import type { ChildProcess } from 'node:child_process';
import { startServer, stopServer, type Spawning } from '@cellar/plugin-api/processes';
import { REDIS_SERVER } from './server.js';

/** redis-server runs no other program: the system directories are enough. */
const REDIS_PATH = '/usr/bin:/bin';

/**
 * Starts redis-server on confFile, its output appended to logFile (errors before it opens its own
 * log land there too).
 */
export function startRedis(confFile: string, logFile: string, s: Spawning): ChildProcess {
  return startServer(REDIS_SERVER, [confFile], logFile, s, REDIS_PATH);
}

/**
 * SIGTERM: Redis saves (with persistence on) and exits. A save that fails keeps it running, so the
 * wait is bounded and the error says to look at the log.
 */
export function stopRedis(pid: number, timeoutMs: number): Promise<void> {
  return stopServer(pid, {
    signal: 'SIGTERM',
    timeoutMs,
    name: 'redis-server',
    hint: 'a failed final save keeps it running (see its log)',
  });
}
