// Real PostgreSQL servers for this package's tests: a manager prepared in fresh directories under
// /tmp, on a free loopback port, run as an unprivileged user when the tests run as root.

import { join } from 'node:path';
import type { GuestContext } from '@cellar/plugin-api';
import {
  freeAddress,
  harnessOfInstances,
  optionDefaults,
  quietLog,
  scratchInstance,
  type LiveHarness,
} from '@cellar/plugin-api/testing';
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

/** What a test adds to the managers' context: options, a backup storage, a restore. */
export type ContextExtras = Partial<
  Pick<GuestContext<PostgresqlOptions>, 'backupObjects' | 'restore' | 'log' | 'guestId'>
> & { readonly options?: Partial<PostgresqlOptions> };

/** Directories and a manager for one instance; prepare is left to the caller. */
export async function liveInstance(extras: ContextExtras = {}): Promise<LiveServer> {
  // The unprivileged user when the tests run as root: cellar, else postgres.
  const scratch = await scratchInstance({
    prefix: 'cpg-',
    users: ['cellar', 'postgres'],
    addUser: 'cellar',
    more: ['standby'],
  });
  const { mountPoint, runDir, logDir } = scratch;
  const { port } = await freeAddress('127.0.0.1');
  const defaults = optionDefaults<PostgresqlOptions>(options.guest);
  const newManagerAt = (dirs: {
    readonly runDir?: string;
    readonly standby?: GuestContext['standby'];
  }): PostgresqlManager =>
    new PostgresqlManager({
      datastore: 'postgresql',
      guestId: '00000000-0000-4000-8000-00000000cafe',
      log: quietLog,
      ...extras,
      options: { ...defaults, ...extras.options, postgresql_port: port, mount_point: mountPoint },
      mountPoint,
      address: '127.0.0.1',
      runDir: dirs.runDir ?? runDir,
      logDir,
      ...(dirs.standby ? { standby: dirs.standby } : {}),
    });
  const newManager = (): PostgresqlManager => newManagerAt({});
  return {
    manager: newManager(),
    port,
    mountPoint,
    runDir,
    logDir,
    standbyDir: scratch.dirs.standby,
    newManager,
    newManagerAt,
    dispose: async () => {
      const running = readPidFile(join(mountPoint, 'data'));
      if (running !== undefined) await stopPostmaster(running.pid, 30_000);
      await scratch.remove();
    },
  };
}

/** The conformance kit's harness: each manager prepared on a server of its own. */
export function liveHarness(): LiveHarness {
  return harnessOfInstances(liveInstance);
}
