// Real MariaDB/MySQL servers for this package's tests: fresh directories under /tmp, a random loopback
// address, an unprivileged user when run as root (one of the instance's own, removed with it, if none).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BackupInfo, GuestContext } from '@cellar/plugin-api';
import { readPid } from '@cellar/plugin-api/processes';
import {
  freeAddress,
  harnessOfInstances,
  optionDefaults,
  quietLog,
  scratchInstance,
  type LiveHarness,
} from '@cellar/plugin-api/testing';
import { MysqlManager, type MysqlOptions } from '../guest.js';
import options from '../options.js';
import { stopServer } from '../process.js';
import { whyUnavailable } from '../versions.js';

/** Why the live tests cannot run here, or undefined when they can. */
export function whyNoServer(): string | undefined {
  const why = whyUnavailable();
  return why === undefined ? undefined : `${why} scripts/test installs mariadb-server`;
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

/** What the guest agent's restore does for the manager: the restore strategy over a chain. */
export type RestoreHook = (manager: MysqlManager, info: BackupInfo) => Promise<void>;

const userExists = (name: string): boolean => {
  try {
    execFileSync('id', ['-u', name], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

/**
 * A system user of this instance's own when the tests run as root and none of users exists:
 * named for this instance alone, so removing it never pulls the user from under another's server.
 */
function addedUser(users: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0 || users.some(userExists)) return undefined;
  const name = `cmy${randomBytes(6).toString('hex')}`;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  return name;
}

/** Removes the user addedUser made (userdel also removes its group); nothing when there is none. */
function removeUser(name: string | undefined): void {
  if (name !== undefined) execFileSync('userdel', [name], { stdio: 'pipe' });
}

/**
 * Directories and a manager for one instance; prepare is left to the caller. With `restore`, the
 * managers' context restores backups with it, as the guest agent's does with its storage; servers
 * replicating to each other need guest ids of their own (their server ids derive from them).
 */
export async function liveInstance(
  users: readonly string[] = ['mysql', 'cellar'],
  restore?: RestoreHook,
  guestId = '00000000-0000-4000-8000-0000000c0ffe',
): Promise<LiveServer> {
  // The unprivileged user when the tests run as root: the server package's, else one of our own.
  const added = addedUser(users);
  const scratch = await scratchInstance({
    prefix: 'cmy-',
    users: added === undefined ? users : [added],
    more: ['standby'],
  }).catch((error: unknown) => {
    removeUser(added);
    throw error;
  });
  const { mountPoint, runDir, logDir, uid } = scratch;
  const { address, port } = await freeAddress();
  const defaults = optionDefaults<MysqlOptions>(options.guest);
  const newManager = (
    standby?: GuestContext['standby'],
    overrides: Partial<MysqlOptions> = {},
  ): MysqlManager => {
    const manager: MysqlManager = new MysqlManager({
      datastore: 'mysql',
      guestId,
      options: { ...defaults, ...overrides, mysql_port: port, mount_point: mountPoint },
      mountPoint,
      address,
      runDir,
      logDir,
      ...(standby ? { standby } : {}),
      ...(restore ? { restore: (info: BackupInfo) => restore(manager, info) } : {}),
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
    standbyDir: scratch.dirs.standby,
    uid,
    newManager,
    dispose: async () => {
      const pid = readPid(join(runDir, 'mysqld.pid'));
      if (pid !== undefined) await stopServer(pid, 60_000);
      await scratch.remove();
      removeUser(added);
    },
  };
}

/** The conformance kit's harness: each manager prepared on a server of its own. */
export function liveHarness(): LiveHarness {
  return harnessOfInstances(liveInstance);
}
