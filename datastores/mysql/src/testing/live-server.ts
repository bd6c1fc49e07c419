// Real MariaDB/MySQL servers for this package's tests: a manager prepared in fresh directories
// under /tmp, on a random loopback address, run as an unprivileged user when the tests run as root.

import { execFileSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GuestContext } from '@cellar/plugin-api';
import type { LiveHarness } from '@cellar/plugin-api/testing';
import { MysqlManager, type MysqlOptions } from '../guest.js';
import options from '../options.js';
import { readPid } from '@cellar/plugin-api/processes';
import { stopServer } from '../process.js';
import { whyUnavailable } from '../versions.js';

/** Why the live tests cannot run here, or undefined when they can. */
export function whyNoServer(): string | undefined {
  const why = whyUnavailable();
  return why === undefined ? undefined : `${why} scripts/test installs mariadb-server`;
}

/** A random address of 127.77.0.0/16 and a port nobody listens on there right now. */
export function freeAddress(): Promise<{ address: string; port: number }> {
  const address = `127.77.${Math.floor(Math.random() * 254) + 1}.${Math.floor(Math.random() * 254) + 1}`;
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, address, () => {
      const bound = server.address();
      server.close(() =>
        typeof bound === 'object' && bound
          ? resolve({ address, port: bound.port })
          : reject(new Error('no port')),
      );
    });
    server.on('error', reject);
  });
}

/** The unprivileged user to run the server as when the tests run as root: cellar, else mysql. */
function serverUser(): { uid: number; gid: number } {
  const id = (name: string): { uid: number; gid: number } | undefined => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', name], { stdio: 'pipe' }).toString()),
        gid: Number(execFileSync('id', ['-g', name], { stdio: 'pipe' }).toString()),
      };
    } catch {
      return undefined;
    }
  };
  const found = id('cellar') ?? id('mysql');
  if (found) return found;
  execFileSync('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    'cellar',
  ]);
  return id('cellar') ?? { uid: -1, gid: -1 };
}

export interface LiveServer {
  readonly manager: MysqlManager;
  readonly address: string;
  readonly port: number;
  readonly mountPoint: string;
  readonly runDir: string;
  readonly logDir: string;
  /** A directory of the server's user beside the volume, as a standby agent's work directory is. */
  readonly standbyDir: string;
  /** The OS user the server runs as (this process's when not root). */
  readonly uid: number;
  /** Another manager on the same directories, as the guest agent makes after it restarts. */
  newManager(standby?: GuestContext['standby'], overrides?: Partial<MysqlOptions>): MysqlManager;
  /** Stops the server by the PID in its pid file and removes every directory. */
  dispose(): Promise<void>;
}

const quiet = (): void => undefined;

/** Directories and a manager for one instance; prepare is left to the caller. */
export async function liveInstance(): Promise<LiveServer> {
  // Short: the socket path must fit in 107 bytes.
  const base = await mkdtemp('/tmp/cmy-');
  const mountPoint = join(base, 'vol');
  const runDir = join(base, 'run');
  const logDir = join(base, 'log');
  const standbyDir = join(base, 'standby');
  for (const dir of [mountPoint, runDir, logDir, standbyDir]) await mkdir(dir, { mode: 0o700 });
  let uid = process.getuid?.() ?? -1;
  if (uid === 0) {
    const user = serverUser();
    uid = user.uid;
    for (const dir of [base, mountPoint, runDir, logDir, standbyDir])
      await chown(dir, user.uid, user.gid);
  }
  const { address, port } = await freeAddress();
  const defaults = Object.fromEntries(
    Object.entries(options.guest.options).map(([key, option]) => [key, option.default]),
  ) as MysqlOptions;
  const newManager = (
    standby?: GuestContext['standby'],
    overrides: Partial<MysqlOptions> = {},
  ): MysqlManager =>
    new MysqlManager({
      datastore: 'mysql',
      guestId: '00000000-0000-4000-8000-0000000c0ffe',
      options: { ...defaults, ...overrides, mysql_port: port, mount_point: mountPoint },
      mountPoint,
      address,
      runDir,
      logDir,
      ...(standby ? { standby } : {}),
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  return {
    manager: newManager(),
    address,
    port,
    mountPoint,
    runDir,
    logDir,
    standbyDir,
    uid,
    newManager,
    dispose: async () => {
      const pid = readPid(join(runDir, 'mysqld.pid'));
      if (pid !== undefined) await stopServer(pid, 60_000);
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
