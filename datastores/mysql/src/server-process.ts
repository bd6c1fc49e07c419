// The server of one instance as the manager sees it: started until it answers (the first start
// running the SQL that replaces root by the admin account), stopped leaving a marker, its health.

import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { format } from 'mysql2';
import { GuestError, type ServiceStatus } from '@cellar/plugin-api';
import { message, type AdminSession } from './admin-session.js';
import { ADMIN_USER } from './config.js';
import type { DataDirectory } from './data-directory.js';
import {
  isAlive,
  logTail,
  readPid,
  runningServer,
  type Spawning,
} from '@cellar/plugin-api/processes';
import { startServer, stopServer } from './process.js';
import type { InstalledServer } from './versions.js';

/** Crash recovery runs before the server accepts connections, so starting may take a while. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
const POLL_MS = 10;

/** The admin account, made anew with this password: reachable only through the socket. */
export function adminAccountSql(adminPassword: string): string {
  return [
    format('DROP USER IF EXISTS ?@?', [ADMIN_USER, 'localhost']),
    format('CREATE USER ?@? IDENTIFIED BY ?', [ADMIN_USER, 'localhost', adminPassword]),
    format('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN_USER, 'localhost']),
  ]
    .map((statement) => `${statement};\n`)
    .join('');
}

/**
 * What the first start runs before it accepts a connection: root's passwordless accounts from
 * the initialiser go, and the admin account, reachable only through the socket, comes.
 */
export function firstStartSql(server: InstalledServer, adminPassword: string): string {
  const accounts = server.flavor === 'mariadb' ? 'mysql.global_priv' : 'mysql.user';
  return `DELETE FROM ${accounts} WHERE User IN ('root', '');\nFLUSH PRIVILEGES;\n${adminAccountSql(adminPassword)}`;
}

/**
 * The initialiser's accounts still there after the first start (root's at any host, anonymous
 * ones): an error in the init file is only logged, and the server starts all the same.
 */
export async function installAccountsLeft(sql: AdminSession): Promise<string[]> {
  const rows = await sql.query<{ user: string; host: string }>(
    "SELECT User AS user, Host AS host FROM mysql.user WHERE User IN ('root', '') ORDER BY User, Host",
  );
  return rows.map(({ user, host }) => `${user === '' ? "''" : user}@${String(host)}`);
}

export class ServerProcess {
  constructor(
    private readonly files: DataDirectory,
    private readonly sql: AdminSession,
    private readonly logDir: string,
  ) {}

  /** The server's PID when it runs on this instance's data directory. */
  running(): number | undefined {
    return runningServer(this.files.pidFile, this.files.dataDir);
  }

  /** Starts the server and waits until the admin account gets in; initSql runs first when given. */
  async start(spawning: Spawning, server: InstalledServer, initSql?: string): Promise<void> {
    const { files } = this;
    await mkdir(this.logDir, { recursive: true });
    await rm(files.stoppedMarker, { force: true });
    const args = [`--defaults-file=${files.configFile}`];
    if (initSql !== undefined) {
      await files.writeOwned(files.initFile, initSql);
      args.push(`--init-file=${files.initFile}`);
    }
    const child = startServer(server.server, args, files.logFile, spawning);
    try {
      await this.#waitReady(child.pid, () => child.exitCode ?? child.signalCode);
    } catch (error) {
      if (child.pid !== undefined && isAlive(child.pid))
        await stopServer(child.pid, STOP_TIMEOUT_MS).catch(() => undefined);
      throw files.failed(
        `${message(error)}; the server log ends:\n${await logTail(files.logFile)}`,
        error,
      );
    } finally {
      await rm(files.initFile, { force: true });
    }
  }

  /** Until the server wrote its pid file and the admin account gets in, or it exits first. */
  async #waitReady(pid: number | undefined, exited: () => number | string | null): Promise<void> {
    if (pid === undefined) throw new Error('the server could not be started');
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ended = exited();
      if (ended !== null) throw new Error(`the server exited with ${ended} while starting`);
      if (readPid(this.files.pidFile) === pid) {
        try {
          await (await this.sql.connect()).end();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      if (Date.now() > deadline)
        throw new Error(`the server was not ready within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS);
    }
  }

  /** A clean shutdown, leaving the marker that tells a stopped server from a crashed one. */
  async stop(): Promise<void> {
    await this.sql.close();
    const pid = this.running();
    // Empty: an inode and no data block, so a server on a full volume can still be stopped.
    if (this.files.prepared) await this.files.writeOwned(this.files.stoppedMarker, '');
    if (pid === undefined) return;
    try {
      await stopServer(pid, STOP_TIMEOUT_MS);
    } catch (error) {
      throw new GuestError({ reason: message(error) }, { cause: error });
    }
  }

  /** What a prepared instance's server is doing: answering, running but not, stopped or crashed. */
  async health(): Promise<ServiceStatus> {
    if (this.running() !== undefined) {
      try {
        await this.sql.query('SELECT 1');
        return 'healthy';
      } catch {
        return 'unknown';
      }
    }
    return this.files.stopped ? 'shutdown' : 'crashed';
  }
}
