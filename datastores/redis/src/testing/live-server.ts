// Real Redis servers for this package's tests: a manager prepared in fresh directories under /tmp,
// on a random 127.77.x.y address, run as an unprivileged user when the tests run as root.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BackupInfo } from '@cellar/plugin-api';
import { runningServer } from '@cellar/plugin-api/processes';
import {
  harnessOfInstances,
  optionDefaults,
  quietLog,
  randomLoopbackAddress,
  scratchInstance,
  type LiveHarness,
} from '@cellar/plugin-api/testing';
import { RedisManager, type RedisOptions } from '../guest.js';
import options from '../options.js';
import { stopRedis } from '../redis-process.js';
import { REDIS_SERVER } from '../server.js';

/** Why the live tests cannot run here, or undefined when they can. */
export function whyNoRedis(): string | undefined {
  return existsSync(REDIS_SERVER)
    ? undefined
    : `Redis is not installed (no ${REDIS_SERVER}; Debian package redis-server); scripts/test installs it`;
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

/** The guest agent's restore hook, as the test gives it: with the manager it is for. */
export type RestoreHook = (info: BackupInfo, manager: RedisManager) => Promise<void>;

/**
 * Directories and a manager for one instance; prepare is left to the caller. `restore` becomes
 * the context's restore hook, which prepare calls when asked to restore a backup.
 */
export async function liveInstance(
  overrides: Partial<RedisOptions> = {},
  restore?: RestoreHook,
): Promise<LiveServer> {
  // The unprivileged user when the tests run as root: Debian's redis, else cellar.
  const scratch = await scratchInstance({ prefix: 'crd-', users: ['redis', 'cellar'] });
  const { mountPoint, runDir, logDir } = scratch;
  // An address of its own: every instance on 6379, as the local driver runs them.
  const address = randomLoopbackAddress();
  const defaults = optionDefaults<RedisOptions>(options.guest);
  const port = overrides.redis_port ?? 6379;
  const newManager = (): RedisManager => {
    const manager: RedisManager = new RedisManager({
      ...(restore ? { restore: (info: BackupInfo) => restore(info, manager) } : {}),
      datastore: 'redis',
      guestId: '00000000-0000-4000-8000-00000000beef',
      options: { ...defaults, ...overrides, redis_port: port, mount_point: mountPoint },
      mountPoint,
      address,
      runDir,
      logDir,
      log: quietLog,
    });
    return manager;
  };
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
      await scratch.remove();
    },
  };
}

/** The conformance kit's harness: each manager prepared on a server of its own. */
export function liveHarness(): LiveHarness {
  return harnessOfInstances(() => liveInstance());
}
