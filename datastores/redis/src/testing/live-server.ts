// Real Redis servers for this package's tests: a manager prepared in fresh directories under /tmp,
// on a random 127.77.x.y address, run as an unprivileged user when the tests run as root.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LiveHarness } from '@cellar/plugin-api/testing';
import { RedisManager, type RedisOptions } from '../guest.js';
import options from '../options.js';
import { runningServer } from '@cellar/plugin-api/processes';
import { stopRedis } from '../redis-process.js';
import { REDIS_SERVER } from '../server.js';

/** Why the live tests cannot run here, or undefined when they can. */
export function whyNoRedis(): string | undefined {
  return existsSync(REDIS_SERVER)
    ? undefined
    : `Redis is not installed (no ${REDIS_SERVER}; Debian package redis-server); scripts/test installs it`;
}

/** The unprivileged user to run Redis as when the tests run as root: Debian's redis. */
function serverUser(): { uid: number; gid: number } {
  const id = (flag: string, name: string): number =>
    Number(execFileSync('id', [flag, name], { stdio: 'pipe' }).toString());
  for (const name of ['redis', 'cellar']) {
    try {
      return { uid: id('-u', name), gid: id('-g', name) };
    } catch {
      // not on this host: the next one
    }
  }
  throw new Error('no unprivileged user (redis or cellar) to run Redis as');
}

export interface LiveServer {
  readonly manager: RedisManager;
  readonly address: string;
  readonly port: number;
  readonly mountPoint: string;
  readonly runDir: string;
  readonly logDir: string;
  /** Another manager on the same directories, as the guest agent makes after it restarts. */
  newManager(): RedisManager;
  /** A client logged in over TCP as a user, as a tenant connects. */
  connect(user: string, password: string): Promise<Redis>;
  /** Stops the server by the PID in its pid file and removes every directory. */
  dispose(): Promise<void>;
}

const quiet = (): void => undefined;
const byte = (): number => 1 + Math.floor(Math.random() * 254);

/** Directories and a manager for one instance; prepare is left to the caller. */
export async function liveInstance(overrides: Partial<RedisOptions> = {}): Promise<LiveServer> {
  // Short: the socket path must fit in 107 bytes.
  const base = await mkdtemp('/tmp/crd-');
  const [mountPoint, runDir, logDir] = ['vol', 'run', 'log'].map((d) => join(base, d)) as [
    string,
    string,
    string,
  ];
  for (const dir of [mountPoint, runDir, logDir]) await mkdir(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = serverUser();
    for (const dir of [base, mountPoint, runDir, logDir]) await chown(dir, uid, gid);
  }
  // An address of its own: every instance on 6379, as the local driver runs them.
  const address = `127.77.${byte()}.${byte()}`;
  const defaults = Object.fromEntries(
    Object.entries(options.guest.options).map(([key, option]) => [key, option.default]),
  ) as RedisOptions;
  const port = overrides.redis_port ?? 6379;
  const newManager = (): RedisManager =>
    new RedisManager({
      datastore: 'redis',
      guestId: '00000000-0000-4000-8000-00000000beef',
      options: { ...defaults, ...overrides, redis_port: port, mount_point: mountPoint },
      mountPoint,
      address,
      runDir,
      logDir,
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  return {
    manager: newManager(),
    address,
    port,
    mountPoint,
    runDir,
    logDir,
    newManager,
    connect: async (username, password) => {
      const client = new Redis({
        host: address,
        port,
        username,
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    dispose: async () => {
      const pid = runningServer(join(runDir, 'redis.pid'), join(mountPoint, 'data'));
      // Never remove the directory first: Redis whose final save fails does not exit.
      if (pid !== undefined) await stopRedis(pid, 30_000);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The conformance kit's harness: each manager prepared on a server of its own. */
export function liveHarness(): LiveHarness {
  const servers: LiveServer[] = [];
  return {
    createManager: async () => {
      const server = await liveInstance();
      servers.push(server);
      await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
      return server.manager;
    },
    dispose: async () => {
      await Promise.all(servers.splice(0).map((s) => s.dispose()));
    },
  };
}
