// The agent's backups, read from its configuration: the storage of its project (GuestContext's
// backupObjects), the restore hook prepare calls, and the runner that serves create_backup.

import {
  backupStorageGroupName,
  type BackupInfo,
  type BaseDatastoreManager,
  type GuestLogger,
} from '@cellar/plugin-api';
import { guestBackupStorage, type Configuration } from '@cellar/config';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';
import type { BackupUpdate } from '@cellar/rpc';
import { findZstd } from './compression.js';
import { guestStorage, type GuestStorage } from './objects.js';
import { restoreBackup } from './restore.js';
import { BackupRunner } from './runner.js';
import type { StrategySource } from './strategies.js';

export interface GuestBackupsSpec {
  readonly config: Configuration;
  readonly host: PluginHost;
  readonly plugin: InstalledPlugin;
  readonly guestId: string;
  readonly runDir: string;
  readonly progressSeconds: number;
  /** Where the zstd tool is looked for. */
  readonly path: string | undefined;
  readonly log: GuestLogger;
}

export class GuestBackups {
  readonly storage: GuestStorage | undefined;
  readonly #noStorage: string | undefined;
  readonly #strategies: StrategySource;
  #manager?: BaseDatastoreManager<unknown>;
  #runner?: BackupRunner;
  #restoreFailure: unknown;

  private constructor(
    private readonly spec: GuestBackupsSpec,
    private readonly zstd: string | undefined,
  ) {
    const { config, host, plugin, guestId } = spec;
    const name = config.group(guestBackupStorage).backup_storage;
    const project = config.values('DEFAULT')['project_id'] as string | undefined;
    this.#strategies = { host, plugin, guestId, options: config.values(plugin.manifest.name) };
    if (name === undefined)
      this.#noStorage = 'its cellar-guest.conf names no [DEFAULT] backup_storage';
    else if (project === undefined) this.#noStorage = 'its guest_info.conf names no project_id';
    else {
      const values = config.values(backupStorageGroupName(name));
      this.storage = guestStorage({ host, name, values, project });
    }
  }

  static async open(spec: GuestBackupsSpec): Promise<GuestBackups> {
    return new GuestBackups(spec, await findZstd(spec.path));
  }

  /** The manager the strategies are given: made after this, since its context holds `restore`. */
  attach(manager: BaseDatastoreManager<unknown>): void {
    this.#manager = manager;
  }

  /** Starts the runner serving create_backup, reporting through the conductor. */
  serve(report: (u: BackupUpdate) => Promise<void>): BackupRunner {
    const manager = this.#manager;
    if (!manager)
      throw new Error('the backup runner was asked for before the agent had its manager');
    this.#runner = new BackupRunner({
      strategies: this.#strategies,
      storage: this.storage,
      ...(this.#noStorage === undefined ? {} : { noStorage: this.#noStorage }),
      manager: () => manager,
      runDir: this.spec.runDir,
      zstd: this.zstd,
      progressSeconds: this.spec.progressSeconds,
      report,
      log: this.spec.log,
    });
    return this.#runner;
  }

  /** create_backup: accepted at once, reported as update_backup. */
  startBackup(info: BackupInfo): void {
    if (!this.#runner) throw new Error('create_backup arrived before the agent served');
    this.#runner.start(info);
  }

  /** GuestContext.restore. A failure is also kept, for prepare's fault to carry it unaltered. */
  readonly restore = async (info: BackupInfo): Promise<void> => {
    const manager = this.#manager;
    if (!manager) throw new Error('the restore hook was called before the agent had its manager');
    try {
      await restoreBackup(
        {
          strategies: this.#strategies,
          storage: this.storage,
          ...(this.#noStorage === undefined ? {} : { noStorage: this.#noStorage }),
          manager: () => manager,
          runDir: this.spec.runDir,
          zstd: this.zstd,
          log: this.spec.log,
        },
        info,
      );
    } catch (error) {
      this.#restoreFailure = error;
      throw error;
    }
  };

  /** The failure of a restore since the last call: the reason a prepare that restored failed. */
  takeRestoreFailure(): unknown {
    const failure = this.#restoreFailure;
    this.#restoreFailure = undefined;
    return failure;
  }

  async close(): Promise<void> {
    await this.#runner?.close();
    await this.storage?.close();
  }
}
