// Real MariaDB/MySQL servers for this package's tests: a manager prepared in fresh directories
// under /tmp, on a random loopback address, run as an unprivileged user when the tests run as root.

import { join } from 'node:path';
import type { GuestContext } from '@cellar/plugin-api';
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

/** Directories and a manager for one instance; prepare is left to the caller. */
export async function liveInstance(): Promise<LiveServer> {
  // The unprivileged user when the tests run as root: cellar, else mysql.
  const scratch = await scratchInstance({
    prefix: 'cmy-',
    users: ['cellar', 'mysql'],
    addUser: 'cellar',
    more: ['standby'],
  });
  const { mountPoint, runDir, logDir, uid } = scratch;
  const { address, port } = await freeAddress();
  const defaults = optionDefaults<MysqlOptions>(options.guest);
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
      log: quietLog,
    });
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
    },
  };
}

/** The conformance kit's harness: each manager prepared on a server of its own. */
export function liveHarness(): LiveHarness {
  return harnessOfInstances(liveInstance);
}
