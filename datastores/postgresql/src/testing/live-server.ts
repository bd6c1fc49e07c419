// Real PostgreSQL servers for this package's tests: a manager prepared in fresh directories under
// /tmp, on a free loopback port, run as an unprivileged user when the tests run as root.

import { execFileSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GuestContext } from '@cellar/plugin-api';
import type { LiveHarness } from '@cellar/plugin-api/testing';
import { PostgresqlManager, type PostgresqlOptions } from '../guest.js';
import options from '../options.js';
import { readPidFile, stopPostmaster } from '../postmaster.js';
import { installedVersions } from '../versions.js';

/** Why the live tests cannot run here, or undefined when they can. */
export function whyNoPostgres(): string | undefined {
  return installedVersions().length === 0
    ? 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); scripts/test installs it'
    : undefined;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The unprivileged user to run PostgreSQL as when the tests run as root: cellar, else postgres. */
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
  const found = id('cellar') ?? id('postgres');
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
  readonly manager: PostgresqlManager;
  readonly port: number;
  readonly mountPoint: string;
  readonly runDir: string;
  readonly logDir: string;
  /** Another manager on the same directories, as the guest agent makes after it restarts. */
  newManager(): PostgresqlManager;
  /** A manager on these directories but for the ones given, or told of a standby's work. */
  newManagerAt(dirs: {
    readonly runDir?: string;
    readonly standby?: GuestContext['standby'];
  }): PostgresqlManager;
  /** A directory of the server's user beside the volume, as a standby agent's work directory is. */
  readonly standbyDir: string;
  /** Stops the server by the PID in postmaster.pid and removes every directory. */
  dispose(): Promise<void>;
}

const quiet = (): void => undefined;

/** Directories and a manager for one instance; prepare is left to the caller. */
export async function liveInstance(): Promise<LiveServer> {
  // Short: the socket path must fit in 107 bytes.
  const base = await mkdtemp('/tmp/cpg-');
  const mountPoint = join(base, 'vol');
  const runDir = join(base, 'run');
  const logDir = join(base, 'log');
  const standbyDir = join(base, 'standby');
  for (const dir of [mountPoint, runDir, logDir, standbyDir]) await mkdir(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = serverUser();
    for (const dir of [base, mountPoint, runDir, logDir, standbyDir]) await chown(dir, uid, gid);
  }
  const port = await freePort();
  const defaults = Object.fromEntries(
    Object.entries(options.guest.options).map(([key, option]) => [key, option.default]),
  ) as PostgresqlOptions;
  const newManagerAt = (dirs: {
    readonly runDir?: string;
    readonly standby?: GuestContext['standby'];
  }): PostgresqlManager =>
    new PostgresqlManager({
      datastore: 'postgresql',
      guestId: '00000000-0000-4000-8000-00000000cafe',
      options: { ...defaults, postgresql_port: port, mount_point: mountPoint },
      mountPoint,
      address: '127.0.0.1',
      runDir: dirs.runDir ?? runDir,
      logDir,
      ...(dirs.standby ? { standby: dirs.standby } : {}),
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  const newManager = (): PostgresqlManager => newManagerAt({});
  return {
    manager: newManager(),
    port,
    mountPoint,
    runDir,
    logDir,
    standbyDir,
    newManager,
    newManagerAt,
    dispose: async () => {
      const running = readPidFile(join(mountPoint, 'data'));
      if (running !== undefined) await stopPostmaster(running.pid, 30_000);
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
