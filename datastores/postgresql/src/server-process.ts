// The PostgreSQL server of one instance as the manager sees it: started until ready (or failed
// with its log's end), stopped leaving a marker, reloaded and waited for, and its health.

import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError, type ServiceStatus } from '@cellar/plugin-api';
import { message, type AdminSession } from './admin-session.js';
import type { DataDirectory } from './data-directory.js';
import { logTail, type Spawning } from '@cellar/plugin-api/processes';
import {
  runningPostmaster,
  startPostmaster,
  stopPostmaster,
  waitReady,
  type PidFile,
} from './postmaster.js';

/** Crash recovery replays WAL before the server accepts connections, so starting may take a while. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
/** A configuration file with errors is never loaded: give up on waiting for it after this long. */
const RELOAD_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

export class ServerProcess {
  constructor(
    private readonly files: DataDirectory,
    private readonly sql: AdminSession,
    private readonly logDir: string,
  ) {}

  /** The postmaster running on the data directory, if any. */
  running(): PidFile | undefined {
    return runningPostmaster(this.files.dataDir);
  }

  async start(spawning: Spawning, binDir: string): Promise<void> {
    const { dataDir, logFile } = this.files;
    await mkdir(this.logDir, { recursive: true });
    await rm(this.files.stoppedMarker, { force: true });
    const child = startPostmaster(binDir, dataDir, logFile, spawning);
    try {
      await waitReady(dataDir, child, START_TIMEOUT_MS);
    } catch (error) {
      if (child.pid !== undefined && child.exitCode === null)
        await stopPostmaster(child.pid, STOP_TIMEOUT_MS).catch(() => undefined);
      throw this.files.failed(
        `${message(error)}; the server log ends:\n${await logTail(logFile)}`,
        error,
      );
    }
  }

  /** Fast shutdown, leaving the marker that tells a stopped server from a crashed one. */
  async stop(): Promise<void> {
    await this.sql.close();
    const running = this.running();
    if (this.files.prepared) await this.files.markStopped();
    if (running === undefined) return;
    try {
      await stopPostmaster(running.pid, STOP_TIMEOUT_MS);
    } catch (error) {
      throw new GuestError({ reason: message(error) }, { cause: error });
    }
  }

  /** What a prepared instance's server is doing: answering, running but not, stopped or crashed. */
  async health(): Promise<ServiceStatus> {
    if (this.running() !== undefined) {
      try {
        await this.sql.inSession('postgres', 'SELECT 1');
        return 'healthy';
      } catch {
        return 'unknown';
      }
    }
    return this.files.stopped ? 'shutdown' : 'crashed';
  }

  /**
   * Waits until a restored server has replayed its WAL and promoted: it accepts read-only
   * sessions (and says ready) while still replaying. A server that gives up (its recovery target
   * beyond the WAL it was given) exits: the error carries its log's end.
   */
  async waitPromoted(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.running() === undefined)
        throw this.files.failed(
          `PostgreSQL stopped while replaying the restored WAL; the server log ends:\n${await logTail(this.files.logFile)}`,
        );
      const recovering = await this.sql
        .inSession<{ recovering: boolean }>('postgres', 'SELECT pg_is_in_recovery() AS recovering')
        .then(
          (result) => result.rows[0]?.recovering !== false,
          () => true,
        );
      if (!recovering) return;
      if (Date.now() > deadline)
        throw this.files.failed(
          `PostgreSQL was still replaying the restored WAL after ${timeoutMs / 1000} s; the server log ends:\n${await logTail(this.files.logFile)}`,
        );
      await sleep(POLL_MS * 10);
    }
  }

  /**
   * Has the postmaster reread its configuration and pg_hba.conf, and waits until it has: a new
   * session reports the postmaster's load time, and is only forked once the reload is done.
   */
  async reload(): Promise<void> {
    const { rows } = await this.sql.query<{ before: string }>(
      'SELECT clock_timestamp()::text AS before',
    );
    const before = rows[0]?.before ?? '-infinity';
    await this.sql.query('SELECT pg_reload_conf()');
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    for (;;) {
      const result = await this.sql.inSession<{ done: boolean }>(
        'postgres',
        'SELECT pg_conf_load_time() > $1::timestamptz AS done',
        [before],
      );
      if (result.rows[0]?.done === true) return;
      if (Date.now() > deadline) {
        throw new GuestError({
          reason: `PostgreSQL did not reload its configuration; the server log ends:\n${await logTail(this.files.logFile)}`,
        });
      }
      await sleep(POLL_MS);
    }
  }
}
