// The MySQL/MariaDB guest manager: prepares a data directory on the volume (initialised ahead by
// the standby) and runs the server as the guest's OS user, then manages databases, users, their
// access and root through the admin account on the server's unix socket.

import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generatedPassword,
  defineDatastoreGuest,
  GuestError,
  InstanceNotReady,
  isCellarError,
  type BackupInfo,
  type DatastoreLogFile,
  type GuestMetrics,
  type GroupValues,
  type PrepareRequest,
  type ServiceStatus,
} from '@cellar/plugin-api';
import type { Spawning } from '@cellar/plugin-api/processes';
import { AccountsManager } from './accounts-manager.js';
import { AdminSession, message } from './admin-session.js';
import { setUpBackupAccount } from './backup-account.js';
import { Catalog } from './catalog.js';
import { createDatabases } from './databases.js';
import { parseAdminCnf, renderAdminCnf } from './config.js';
import { DataDirectory } from './data-directory.js';
import { initialise, standby, takeFromStandby } from './install-db.js';
import { mariadbLogs } from './logs.js';
import { MariadbMetrics } from './metrics.js';
import { Names } from './names.js';
import { MysqlOverrides, type Overrides } from './overrides.js';
import type options from './options.js';
import type { ReplicationHost } from './replication/source.js';
import {
  adminAccountSql,
  firstStartSql,
  installAccountsLeft,
  ServerProcess,
} from './server-process.js';
import { createUsers } from './users.js';
import type { InstalledServer } from './versions.js';
import { startWithMemory } from './resize.js';

export type MysqlOptions = GroupValues<typeof options.guest>;

export interface BackupAccess {
  /** mariabackup's option file (`--defaults-file`): the backup account and the socket. */
  readonly optionFile: string;
  /** A directory of the OS user's for the backup's small files, emptied by each backup. */
  readonly workDir: string;
  readonly spawning: Spawning;
}

export interface RestoreTarget {
  /** Absent until the restore renames the prepared backup into place. */
  readonly dataDir: string;
  /** Where the backups are extracted and prepared, on the same filesystem as dataDir. */
  readonly stagingDir: string;
  readonly spawning: Spawning;
}

export class MysqlManager extends AccountsManager {
  readonly #files = new DataDirectory(this.context);
  /** The admin password: read from its file once, or made by the first start. */
  #adminPassword?: string;
  readonly #sql = new AdminSession({
    socket: this.#files.socket,
    flavor: () => this.#files.server().flavor,
    password: async () =>
      (this.#adminPassword ??= parseAdminCnf(await readFile(this.#files.adminCnf, 'utf8'))) ?? '',
    notReady: async (cause) =>
      new InstanceNotReady(
        { id: this.context.guestId, status: await this.getServiceStatus() },
        { cause },
      ),
  });
  readonly #catalog = new Catalog(
    this.#sql,
    new Names(this.context.options),
    () => this.#files.server().flavor,
  );
  readonly #server = new ServerProcess(this.#files, this.#sql, this.context.logDir);
  readonly #metrics = new MariadbMetrics({
    files: this.#files,
    sql: this.#sql,
    server: this.#server,
  });
  readonly #overrides = new MysqlOverrides({
    context: this.context,
    sql: this.#sql,
    memoryMb: () => this.#files.memoryMb(),
    user: async () => (await this.#files.spawning()).user,
  });
  #preparing = false;
  /** The data directory's initialisation, once: begun by prepareAhead, awaited by prepare. */
  #staged?: { readonly server: string; readonly done: Promise<string> };

  // lifecycle

  override async prepare(request: PrepareRequest): Promise<void> {
    this.#preparing = true;
    try {
      await this.#prepare(request);
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw new GuestError({ reason: `prepare failed: ${message(error)}` }, { cause: error });
    } finally {
      this.#preparing = false;
    }
  }

  async #prepare(request: PrepareRequest): Promise<void> {
    const files = this.#files;
    const spawning = await files.spawning();
    await files.checkRunDir(spawning.user);
    const restoring = request.backupInfo !== undefined;
    if (!existsSync(join(files.dataDir, 'mysql'))) {
      const server = files.server(request.datastoreVersion);
      const madeBy = `${server.flavor} ${server.name}\n`;
      if (request.backupInfo !== undefined) {
        await this.#restore(request.backupInfo);
        await files.writeReadOnly(files.madeByFile, madeBy, spawning.user);
      } else {
        const staging = await this.#stage(server);
        await files.writeReadOnly(files.madeByFile, madeBy, spawning.user);
        await rename(staging, files.dataDir);
      }
    }
    await files.recordSettings(request, spawning.user);
    // The group given at create, or none, in the option file from the first start.
    await this.#overrides.write((request.overrides ?? {}) as Overrides);
    // A repeated prepare (the taskmanager retrying) finds the server running and goes on.
    if (this.#server.running() === undefined) await this.#start(restoring);
    if (files.server().flavor === 'mariadb')
      await setUpBackupAccount(this.#sql, files, spawning.user);
    await createDatabases(this.#catalog, request.databases, true);
    await createUsers(this.#catalog, request.users, true);
    // A restored instance keeps the root its backup has.
    if (request.rootPassword !== undefined && !(restoring && (await this.isRootEnabled())))
      await this.enableRootWithPassword(request.rootPassword);
    if (request.snapshot === undefined) return;
    if (!restoring) throw files.failed('a replica is seeded from a backup; the request has none');
    await this.replication.seed(request.snapshot);
  }

  /**
   * The backup chain's data, restored by the restore strategy into the data directory, instead
   * of an initialised one: a directory the standby or prepareAhead staged is not used, and goes.
   */
  async #restore(info: BackupInfo): Promise<void> {
    const restore = this.context.restore;
    if (restore === undefined)
      throw this.#files.failed('this guest was given no backup storage to restore the backup from');
    await this.#staged?.done.catch(() => undefined);
    await rm(this.#files.stagingDir, { recursive: true, force: true });
    await restore(info);
  }

  /**
   * Starts the server; the first start on a data directory also sets up the admin account:
   * replacing the initialiser's root by it, or on a restored one resetting it, root kept.
   */
  async #start(restored = false): Promise<void> {
    const files = this.#files;
    const spawning = await files.spawning();
    const server = files.server();
    await files.writeServerConfig(spawning.user);
    if (files.prepared) {
      await this.#server.start(spawning, server);
      return;
    }
    const password = generatedPassword(32);
    this.#adminPassword = password;
    const initSql = restored ? adminAccountSql(password) : firstStartSql(server, password);
    await this.#server.start(spawning, server, initSql);
    // No admin client file, hence no prepared instance, while passwordless accounts remain.
    const left = restored ? [] : await installAccountsLeft(this.#sql);
    if (left.length > 0) {
      await this.#server.stop();
      throw files.failed(
        `the first start did not remove the initialiser's accounts ${left.join(', ')}; the server was stopped (see its log)`,
      );
    }
    await files.writeReadOnly(files.adminCnf, renderAdminCnf(password), spawning.user);
  }

  /**
   * Initialises into a staging directory (or takes the standby's), renamed into place by prepare,
   * so an instance interrupted half way is simply initialised again. Resolves with the directory.
   */
  #stage(server: InstalledServer): Promise<string> {
    if (this.#staged?.server === server.server) return this.#staged.done;
    const staging = this.#files.stagingDir;
    const done = (async () => {
      const spawning = await this.#files.spawning();
      await rm(staging, { recursive: true, force: true });
      if (await takeFromStandby(this.context, server, staging)) return staging;
      await initialise(server, staging, spawning).catch((error: unknown) => {
        throw this.#files.failed(message(error), error);
      });
      return staging;
    })();
    this.#staged = { server: server.server, done };
    done.catch(() => {
      if (this.#staged?.done === done) this.#staged = undefined;
    });
    return done;
  }

  /** The initialiser needs nothing from the prepare request: it starts while the control plane works. */
  override async prepareAhead(): Promise<void> {
    if (!existsSync(join(this.#files.dataDir, 'mysql'))) await this.#stage(this.#files.server());
  }

  /** The agent started on an instance prepared earlier: the server comes back unless it runs. */
  override async resume(): Promise<void> {
    if (!this.#files.prepared || this.#server.running() !== undefined) return;
    await this.#start();
  }

  override async restart(): Promise<void> {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'MySQL cannot be restarted: the instance has not been prepared.',
      });
    await this.stopDb();
    await this.#start();
  }

  override async stopDb(): Promise<void> {
    await this.#server.stop();
  }

  /** A new flavor: the memory settings derived from its RAM (resize.ts); Cellar sends no file of its own. */
  override async startDbWithConfChanges(_configContents: string, memoryMb: number): Promise<void> {
    const files = this.#files;
    if (!files.prepared)
      throw new GuestError({
        reason: 'MySQL cannot be resized: the instance has not been prepared.',
      });
    const { user } = await files.spawning();
    await startWithMemory(
      {
        settingsFile: files.settingsFile,
        write: (text) => files.writeReadOnly(files.settingsFile, text, user),
        restart: () => this.restart(),
      },
      memoryMb,
    );
  }

  override async getServiceStatus(): Promise<ServiceStatus> {
    if (this.#preparing || !this.#files.prepared) return 'building';
    return this.#server.health();
  }

  override async metrics(): Promise<GuestMetrics | undefined> {
    return this.#metrics.read();
  }

  // configuration

  /** Cellar renders the server's own settings from the flavor: Trove's template has no place here. */
  override async resetConfiguration(_configContents: string): Promise<void> {}

  override async updateOverrides(overrides: Overrides, remove: boolean): Promise<void> {
    this.#mustBePrepared();
    await this.#overrides.update(overrides, remove);
  }

  override async applyOverrides(overrides: Overrides): Promise<void> {
    this.#mustBePrepared();
    await this.#overrides.apply(overrides);
  }

  #mustBePrepared(): void {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'Configuration values cannot be applied: the instance has not been prepared.',
      });
  }

  // what the backup and restore strategies work with

  /**
   * How mariabackup reaches this instance's server: the backup account's option file (the
   * account made now on an instance prepared before backups were), as whom, where its files go.
   */
  async backupAccess(): Promise<BackupAccess> {
    const files = this.#files;
    const { flavor } = files.server();
    if (flavor !== 'mariadb')
      throw new Error(`mariabackup backs up MariaDB servers; this instance runs ${flavor}`);
    const spawning = await files.spawning();
    if (!existsSync(files.backupCnf)) await setUpBackupAccount(this.#sql, files, spawning.user);
    return { optionFile: files.backupCnf, workDir: files.backupWorkDir, spawning };
  }

  /** Where a restore puts the data: staged on the volume, then renamed in as the data directory. */
  async restoreTarget(): Promise<RestoreTarget> {
    const files = this.#files;
    return {
      dataDir: files.dataDir,
      stagingDir: files.restoreDir,
      spawning: await files.spawning(),
    };
  }

  /** What replication (replicating-manager.ts) works with: the admin session, the files. */
  protected catalog(): Catalog {
    return this.#catalog;
  }

  protected replicationHost(): ReplicationHost {
    const { guestId, address, mountPoint, options } = this.context;
    const port = options.mysql_port;
    return { sql: this.#sql, files: this.#files, guestId, address, port, mountPoint };
  }

  // guest-logs

  /** The error log, and the general and slow query logs users switch (logs.ts). */
  logFiles(): readonly DatastoreLogFile[] {
    return mariadbLogs({
      mountPoint: this.context.mountPoint,
      logDir: this.context.logDir,
      errorLog: this.#files.logFile,
      longQueryMs: this.context.options.guest_log_long_query_time,
      setGlobal: async (statement, values) => {
        if (this.#server.running() !== undefined) await this.#sql.query(statement, values);
      },
    });
  }
}

export default defineDatastoreGuest({ name: 'mysql', manager: MysqlManager, standby });
