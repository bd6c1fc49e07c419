// The Redis server of one instance as the manager sees it: started until it answers PING (or
// failed with its log's end), a restored RDB taken in, stopped leaving a marker, and its health.

import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError, type ServiceStatus } from '@cellar/plugin-api';
import { logTail, runningServer, type Spawning } from '@cellar/plugin-api/processes';
import { message, type AdminSession } from './admin-session.js';
import type { InstanceFiles } from './instance-files.js';
import { startRedis, stopRedis } from './redis-process.js';
import { takeInRestored } from './restored-data.js';

/** Loading a large RDB or AOF comes before the first PONG. */
const START_TIMEOUT_MS = 120_000;
/** The final save of a large dataset comes before the exit. */
const STOP_TIMEOUT_MS = 120_000;
const POLL_MS = 10;

export class ServerProcess {
  constructor(
    private readonly files: InstanceFiles,
    private readonly admin: AdminSession,
    private readonly logDir: string,
  ) {}

  running(): number | undefined {
    return runningServer(this.files.pidFile, this.files.dataDir);
  }

  async start(spawning: Spawning): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    await rm(this.files.stoppedMarker, { force: true });
    // With AOF on, Redis ignores dump.rdb, starts empty and its final save then overwrites the
    // restored RDB: a restored instance starts once without AOF, which takeInRestored enables.
    const restored = this.files.restored;
    const persistence = restored && this.files.persistence === 'aof' ? 'rdb' : undefined;
    await this.files.renew(spawning.user, persistence);
    await this.#started(spawning);
    if (restored) await takeInRestored(this.files, this.admin);
  }

  async #started(spawning: Spawning): Promise<void> {
    const child = startRedis(this.files.confFile, this.files.logFile, spawning);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw this.files.failed(
          `redis-server exited with ${child.signalCode ?? `status ${child.exitCode}`} while starting; its log ends:\n${await logTail(this.files.logFile)}`,
        );
      try {
        await this.admin.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          if (child.pid !== undefined) await stopRedis(child.pid, 5_000).catch(() => undefined);
          throw this.files.failed(
            `redis-server did not answer within ${START_TIMEOUT_MS / 1000} s (${message(error)})`,
            error,
          );
        }
      }
      await sleep(POLL_MS);
    }
  }

  /** SIGTERM (Redis saves first when persistence is on), leaving the stopped marker. */
  async stop(): Promise<void> {
    await this.admin.close();
    if (this.files.prepared) await this.files.markStopped();
    const pid = this.running();
    if (pid === undefined) return;
    try {
      await stopRedis(pid, STOP_TIMEOUT_MS);
    } catch (error) {
      throw new GuestError({ reason: message(error) }, { cause: error });
    }
  }

  async health(): Promise<ServiceStatus> {
    if (this.running() !== undefined) {
      try {
        await this.admin.ping();
        return 'healthy';
      } catch {
        return 'unknown';
      }
    }
    return this.files.stopped ? 'shutdown' : 'crashed';
  }
}
