// create_backup as the agent serves it: one backup at a time, taken while the database keeps
// running, reported to the conductor as update_backup: BUILDING with the bytes stored so far,
// then COMPLETED with what the record keeps, or FAILED with a catalog code and message.

import {
  asCellarError,
  BackupFailed,
  BackupIncrementalNotSupported,
  BackupInProgress,
  BackupNotConfigured,
  type BackupInfo,
  type BaseDatastoreManager,
  type GuestLogger,
} from '@cellar/plugin-api';
import type { BackupUpdate } from '@cellar/rpc';
import type { Compression } from './compression.js';
import type { GuestStorage } from './objects.js';
import { backupStrategy, type StrategySource } from './strategies.js';
import { takeBackup } from './take.js';

export interface BackupRunnerDeps {
  readonly strategies: StrategySource;
  /** Absent when cellar-guest.conf names no storage or the instance has no project. */
  readonly storage: GuestStorage | undefined;
  /** Why there is no storage, for the refusal. */
  readonly noStorage?: string;
  readonly manager: () => BaseDatastoreManager<unknown>;
  readonly runDir: string;
  /** The zstd tool, when the guest has it: backups are compressed with it, else with gzip. */
  readonly zstd: string | undefined;
  readonly progressSeconds: number;
  /** Sends an update to the conductor; a lost update is logged, never thrown. */
  readonly report: (update: BackupUpdate) => Promise<void>;
  readonly log: GuestLogger;
}

interface Running {
  readonly id: string;
  readonly controller: AbortController;
  readonly ended: Promise<void>;
}

export class BackupRunner {
  #running?: Running;
  #sending: Promise<void> = Promise.resolve();
  /** The latest backups whose outcome was sent. */
  readonly #ended = new Set<string>();

  constructor(private readonly deps: BackupRunnerDeps) {}

  /**
   * Accepts a backup and returns at once: its progress and outcome go to the conductor. The same
   * backup sent again while it runs (a resumed operation) is the one already running.
   */
  start(info: BackupInfo): void {
    const running = this.#running;
    if (running?.id === info.id) return;
    if (running) {
      const busy = new BackupInProgress({
        instance: this.deps.strategies.guestId,
        running: running.id,
      });
      void this.#failed(info.id, busy);
      return;
    }
    const controller = new AbortController();
    const ended = this.#run(info, controller).finally(() => (this.#running = undefined));
    this.#running = { id: info.id, controller, ended };
  }

  /** Stops a running backup (it ends FAILED, its object removed) and waits for it. */
  async close(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.controller.abort(
      new BackupFailed({ backup: running.id, reason: 'the guest agent was stopped' }),
    );
    await running.ended;
  }

  async #run(info: BackupInfo, controller: AbortController): Promise<void> {
    const { log } = this.deps;
    const started = Date.now();
    log.info('backup started', { backup: info.id, incremental: info.parent !== undefined });
    await this.#send({ backup_id: info.id, state: 'BUILDING', size: 0 });
    try {
      const { storage, compression, strategy } = await this.#ready(info);
      const key = info.key ?? `${info.instanceId ?? this.deps.strategies.guestId}/${info.id}`;
      const { stored, meta } = await takeBackup({
        info,
        strategy,
        manager: this.deps.manager(),
        storage,
        key,
        compression,
        zstd: this.deps.zstd,
        runDir: this.deps.runDir,
        controller,
        progress: (bytes) =>
          void this.#send({ backup_id: info.id, state: 'BUILDING', size: bytes }),
        progressSeconds: this.deps.progressSeconds,
        log,
      });
      log.info('backup completed', {
        backup: info.id,
        bytes: stored.size,
        compression,
        seconds: (Date.now() - started) / 1000,
      });
      await this.#send({
        backup_id: info.id,
        state: 'COMPLETED',
        size: stored.size,
        location: stored.location,
        checksum: stored.sha256,
        compression,
        meta,
      });
    } catch (error) {
      await this.#failed(info.id, error);
    }
  }

  /** What a backup needs before any work: a storage of the right project and a strategy that can take it. */
  async #ready(info: BackupInfo) {
    const { strategies, storage } = this.deps;
    if (!storage)
      throw new BackupNotConfigured({
        instance: strategies.guestId,
        operation: 'take backups',
        reason: this.deps.noStorage ?? 'it has no backup storage',
      });
    if (info.project !== undefined && info.project !== storage.project)
      throw new BackupNotConfigured({
        instance: strategies.guestId,
        operation: 'take backups',
        reason: `the backup belongs to project ${info.project}, the instance to ${storage.project}`,
      });
    const strategy = await backupStrategy(strategies);
    if (info.parent !== undefined && !strategy.incremental)
      throw new BackupIncrementalNotSupported({
        strategy: strategy.name,
        datastore: strategy.datastore,
      });
    const compression: Compression = this.deps.zstd === undefined ? 'gzip' : 'zstd';
    return { storage, strategy, compression };
  }

  async #failed(backup: string, error: unknown): Promise<void> {
    const reason = asCellarError(error);
    this.deps.log.error('backup failed', { backup, code: reason.code, reason: reason.message });
    await this.#send({
      backup_id: backup,
      state: 'FAILED',
      fault: { code: reason.code, message: reason.message },
    });
  }

  /**
   * One update after another, so the conductor never hears a progress report after the outcome;
   * progress queued behind the outcome is dropped.
   */
  #send(update: BackupUpdate): Promise<void> {
    if (update.state !== 'BUILDING') {
      this.#ended.add(update.backup_id);
      for (const old of this.#ended) if (this.#ended.size > 64) this.#ended.delete(old);
    } else if (this.#ended.has(update.backup_id)) return Promise.resolve();
    const next = this.#sending.then(async () => {
      if (update.state === 'BUILDING' && this.#ended.has(update.backup_id)) return;
      try {
        await this.deps.report(update);
      } catch (error) {
        this.deps.log.warn('a backup update was not delivered', {
          backup: update.backup_id,
          state: update.state,
          err: error,
        });
      }
    });
    this.#sending = next;
    return next;
  }
}
