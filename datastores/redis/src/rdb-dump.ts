// A live server's RDB as a stream: `redis-cli --rdb -` as os_backup over the private socket, which
// is replication's SYNC (the server forks and sends the snapshot, nothing is staged on the volume).

import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { spawnOptions, type Spawning } from '@cellar/plugin-api/processes';
import { RdbChecker, type RdbFacts } from './rdb-format.js';

/** Debian's redis-cli (package redis-tools, which redis-server depends on). */
export const REDIS_CLI = '/usr/bin/redis-cli';
/** redis-cli runs no other program. */
const TOOL_PATH = '/usr/bin:/bin';
const KEPT_STDERR = 4000;

/** How to reach the server as the backup account. */
export interface DumpAccess {
  readonly socket: string;
  readonly user: string;
  readonly password: string;
  /** redis-cli runs as the server's OS user: the socket is private to it. */
  readonly spawning: Spawning;
}

export interface RdbDump {
  /** The RDB as the server sent it, without redis-cli's trailing sync mark; errors unless whole. */
  readonly stream: Readable;
  /** Once redis-cli has exited and the stream has ended: the RDB's facts, or why it is not good. */
  readonly done: Promise<RdbFacts>;
}

/** The last line redis-cli wrote to stderr that says something, for a failure's reason. */
const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? 'no message';

/**
 * Starts the dump. The password goes in REDISCLI_AUTH, never on the command line; `-e` makes an
 * error reply (NOPERM, WRONGPASS) an exit status, where redis-cli otherwise exits 0. An abort
 * kills redis-cli, and the server, seeing its replica gone, ends the fork that fed it.
 */
export function dumpRdb(access: DumpAccess, signal: AbortSignal): RdbDump {
  signal.throwIfAborted();
  const options = spawnOptions(access.spawning, TOOL_PATH);
  const child = spawn(REDIS_CLI, ['-s', access.socket, '--user', access.user, '-e', '--rdb', '-'], {
    ...options,
    env: { ...options.env, REDISCLI_AUTH: access.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-KEPT_STDERR);
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${REDIS_CLI} could not run: ${e.message}`)));
    child.once('close', (code, killed) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) reject(new Error('the backup was cancelled: redis-cli was stopped'));
      else if (code === 0) resolve();
      else
        reject(
          new Error(
            `redis-cli ${killed ? `was killed by ${killed}` : `exited with status ${code}`}: ${lastLine(stderr)}`,
          ),
        );
    });
  });
  exited.catch(() => undefined);
  signal.addEventListener('abort', kill, { once: true });
  const checker = new RdbChecker(() => exited);
  pipeline(child.stdout, checker, (error) => {
    if (error) kill();
  });
  return { stream: checker, done: settle(checker, exited, () => stderr) };
}

/** The dump's outcome: the tool's failure first, then the stream's, then a size cross-check. */
async function settle(
  checker: RdbChecker,
  exited: Promise<void>,
  stderr: () => string,
): Promise<RdbFacts> {
  const ended = new Promise<RdbFacts>((resolve, reject) => {
    checker.once('end', () =>
      checker.facts ? resolve(checker.facts) : reject(new Error('the RDB check did not finish')),
    );
    checker.once('error', reject);
    checker.once('close', () => reject(new Error('the backup stream was closed before its end')));
  });
  const [tool, stream] = await Promise.allSettled([exited, ended]);
  if (tool.status === 'rejected') throw tool.reason;
  if (stream.status === 'rejected')
    throw new Error(`the server's RDB is not whole: ${(stream.reason as Error).message}`);
  // "Transfer finished with success after N bytes": what redis-cli itself received.
  const said = /after (\d+) bytes/.exec(stderr())?.[1];
  if (said !== undefined && Number(said) !== stream.value.size)
    throw new Error(`redis-cli received ${said} bytes but the stream held ${stream.value.size}`);
  return stream.value;
}
