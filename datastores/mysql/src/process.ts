// The server processes the guest runs: the initialiser run to completion, and mariadbd/mysqld
// started directly (its real PID, no mysqld_safe) and stopped by PID, as the volume's owner.

import type { ChildProcess } from 'node:child_process';
import {
  runProgram,
  startServer as startServerProcess,
  stopServer as stopServerProcess,
  type Spawning,
} from '@cellar/plugin-api/processes';

/** The initialiser finds the server and its tools in the sbin directories too. */
const SERVER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs a program to completion; its output goes into the error when it fails. */
export function run(program: string, args: readonly string[], s: Spawning): Promise<void> {
  return runProgram(program, args, s, SERVER_PATH);
}

/** Starts the server with its output appended to logFile. */
export function startServer(
  program: string,
  args: readonly string[],
  logFile: string,
  s: Spawning,
): ChildProcess {
  return startServerProcess(program, args, logFile, s, SERVER_PATH);
}

/** SIGTERM (a clean shutdown: sessions ended, InnoDB flushed) and waits until the process is gone. */
export function stopServer(pid: number, timeoutMs: number): Promise<void> {
  return stopServerProcess(pid, { signal: 'SIGTERM', timeoutMs, name: 'the server' });
}
