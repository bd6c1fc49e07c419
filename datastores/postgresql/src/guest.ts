// The PostgreSQL guest manager: prepares a data directory on the volume and runs the server as the
// guest's OS user, then manages databases, users, their access and root through its admin socket.

import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineDatastoreGuest,
  GuestError,
  InstanceNotReady,
  isCellarError,
  type BackupInfo,
  type DatastoreLogFile,
  type GuestMetrics,
  type PrepareRequest,
  type ServiceStatus,
} from '@cellar/plugin-api';
import type { PostgresqlOptions } from './accounts-manager.js';
import { AdminSession, message } from './admin-session.js';
import type { PgBackupHost } from './backup-host.js';
import { Catalog } from './catalog.js';
import { renderHba } from './config.js';
import { DataDirectory } from './data-directory.js';
import { createDatabases } from './databases.js';
import { postgresqlLogs } from './logs.js';
import { PgMetrics } from './metrics.js';
import { Names } from './names.js';
import { PgOverrides, type Overrides } from './overrides.js';
import { recoveryPending, removeRecoverySettings } from './recovery.js';
import { startWithMemory } from './resize.js';
import { ServerProcess } from './server-process.js';
import { initdb, standby, takeFromStandby } from './standby.js';
import { createUsers } from './users.js';
import { WalShipper, type WalShippingStatus } from './wal-shipper.js';
import type { ReplicationHost } from './replication/host.js';
import * as replication from './replication/operations.js';
import { ReplicatingManager } from './replication/replicating-manager.js';

/** How long a restored server may take to replay the WAL it was given. */
const REPLAY_TIMEOUT_MS = 60 * 60_000;

export type { PostgresqlOptions };

export class PostgresqlManager extends ReplicatingManager {
  readonly #files = new DataDirectory(this.context);
  readonly #sql = new AdminSession({
    socketDir: this.context.runDir,
    port: this.context.options.postgresql_port,
    // Most often the server is stopped or still starting: say so in the instance's terms.
    notReady: async (cause) =>
      new InstanceNotReady(
        { id: this.context.guestId, status: await this.getServiceStatus() },
        { cause },
      ),
  });
  readonly #catalog = new Catalog(this.#sql, new Names(this.context.options));
  readonly #server = new ServerProcess(this.#files, this.#sql, this.context.logDir);
  readonly #replication: ReplicationHost = {
    context: this.context,
    files: this.#files,
    sql: this.#sql,
    server: this.#server,
  };

  readonly #metrics = new PgMetrics(this.#replication);

  protected override catalog(): Catalog {
    return this.#catalog;
  }

  protected override dataVersion(): number {
    return Number(this.#files.dataVersion());
  }

  protected override replicationHost(): ReplicationHost {
    return this.#replication;
  }
  /** With wal_archiving and a backup storage: ships the local WAL archive to the storage. */
  readonly #shipper =
    this.context.options.wal_archiving && this.context.backupObjects !== undefined
      ? new WalShipper({
          instanceId: this.context.guestId,
          archiveDir: this.#files.archiveDir,
          workDir: join(this.context.mountPoint, 'wal-shipping'),
          objects: this.context.backupObjects,
          binDir: () => this.#files.binDir(),
          log: this.context.log,
        })
      : undefined;
  readonly #overrides = new PgOverrides({
    context: this.context,
    dataDir: this.#files.dataDir,
    sql: this.#sql,
    user: async () => (await this.#files.spawning()).user,
    reload: () => this.#server.reload(),
    running: () => this.#server.running() !== undefined,
  });
  #preparing = false;
  /** initdb for this instance, once: begun by prepareAhead, awaited by prepare. */
  #staged?: { readonly binDir: string; readonly done: Promise<string> };

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
    // A replica: restored from its source's backup, then a hot standby of that source.
    const snapshot =
      request.snapshot === undefined
        ? undefined
        : replication.sourceArgument(request.snapshot, 'snapshot');
    // The volume's mount point reaches the manager in its context; the request's copy is the same.
    if (!files.prepared) {
      if (request.backupInfo !== undefined) {
        await this.#restore(request.backupInfo);
        await files.writeServerConfig(files.dataDir, request, spawning.user);
        await replication.afterRestore(this.#replication, snapshot);
      } else {
        const staging = await this.#stage(files.binDir(request.datastoreVersion));
        await files.writeServerConfig(staging, request, spawning.user);
        await rename(staging, files.dataDir);
      }
    } else {
      await files.writeServerConfig(files.dataDir, request, spawning.user);
    }
    // The group given at create, or none: a restored data directory's own file is replaced.
    await this.#overrides.write(files.dataDir, (request.overrides ?? {}) as Overrides);
    if (this.#server.running() === undefined) await this.#server.start(spawning, files.binDir());
    else await this.#server.reload();
    // A replica's databases and users are its source's; it only has to be streaming.
    if (snapshot !== undefined) return replication.waitStreaming(this.#replication);
    // A restored server replays its WAL, then promotes: only then do its recovery settings go.
    if (await recoveryPending(files.dataDir)) {
      await this.#server.waitPromoted(REPLAY_TIMEOUT_MS);
      await removeRecoverySettings(files.dataDir, files.restoreWalDir);
      await this.#server.reload();
    }
    this.#startShipping();
    // A repeated prepare (the taskmanager retrying) finds what the first one created and goes on.
    await createDatabases(this.#catalog, request.databases, true);
    await createUsers(this.#catalog, request.users, true);
    if (request.rootPassword !== undefined) await this.enableRootWithPassword(request.rootPassword);
  }

  /** Ships the WAL archive when wal_archiving is on; says so loudly when it cannot. */
  #startShipping(): void {
    if (this.#shipper !== undefined) this.#shipper.start();
    else if (this.context.options.wal_archiving)
      this.context.log.error(
        'wal_archiving is on but this guest has no backup storage: WAL stays in the local archive and point-in-time recovery is not possible',
      );
  }

  /** The backup's data instead of initdb's; the standby's cluster and any initdb begun are dropped. */
  async #restore(backup: BackupInfo): Promise<void> {
    if (this.context.restore === undefined)
      throw this.#files.failed('this guest has no backup storage to restore from');
    await this.#staged?.done.catch(() => undefined);
    this.#staged = undefined;
    // The unused cluster goes while the backup streams in: they share no files.
    const dropped = rm(this.#files.stagingDir, { recursive: true, force: true });
    try {
      await this.context.restore(backup);
    } finally {
      await dropped;
    }
  }

  /** What the backup and restore strategies use of this instance. */
  get backupHost(): PgBackupHost {
    return {
      files: this.#files,
      sql: this.#sql,
      instanceId: this.context.guestId,
      socketDir: this.context.runDir,
      port: this.context.options.postgresql_port,
      shipper: this.#shipper,
    };
  }

  /** The WAL shipper's progress and the gaps it found; undefined when WAL archiving is off. */
  walShippingStatus(): WalShippingStatus | undefined {
    return this.#shipper?.status();
  }

  /**
   * initdb into a staging directory, renamed into place by prepare only once configured, so an
   * instance interrupted half way is simply initialised again, and a heartbeat never sees a data
   * directory without its server. Resolves with the staging directory.
   */
  #stage(binDir: string): Promise<string> {
    if (this.#staged?.binDir === binDir) return this.#staged.done;
    const staging = this.#files.stagingDir;
    const done = (async () => {
      const spawning = await this.#files.spawning();
      await rm(staging, { recursive: true, force: true });
      if (await takeFromStandby(this.context, binDir, staging)) return staging;
      await initdb(binDir, staging, spawning).catch((error: unknown) => {
        throw this.#files.failed(message(error), error);
      });
      return staging;
    })();
    this.#staged = { binDir, done };
    // A failed initdb is tried again by the next prepare.
    done.catch(() => {
      if (this.#staged?.done === done) this.#staged = undefined;
    });
    return done;
  }

  /** initdb needs nothing from the prepare request: it starts while the control plane still works. */
  override async prepareAhead(): Promise<void> {
    if (!this.#files.prepared) await this.#stage(this.#files.binDir());
  }

  /**
   * For the guest agent to call when it starts on an instance prepared earlier: starts the server
   * unless it is already running (the agent restarted while it ran on), and adopts it either way.
   */
  override async resume(): Promise<void> {
    if (!this.#files.prepared) return;
    this.#startShipping();
    if (this.#server.running() !== undefined) return;
    await this.#server.start(await this.#files.spawning(), this.#files.binDir());
  }

  override async restart(): Promise<void> {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'PostgreSQL cannot be restarted: the instance has not been prepared.',
      });
    await this.stopDb();
    await this.#server.start(await this.#files.spawning(), this.#files.binDir());
  }

  override async stopDb(): Promise<void> {
    await this.#server.stop();
  }

  /** A new flavor: the memory settings derived from its RAM (resize.ts); Cellar sends no file of its own. */
  override async startDbWithConfChanges(_configContents: string, memoryMb: number): Promise<void> {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'PostgreSQL cannot be resized: the instance has not been prepared.',
      });
    const { user } = await this.#files.spawning();
    await startWithMemory(
      { dataDir: this.#files.dataDir, user, restart: () => this.restart() },
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

  override async applyAccess(allowedCidrs: readonly string[]): Promise<boolean> {
    const hba = renderHba(allowedCidrs);
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'Access cannot be applied: the instance has not been prepared.',
      });
    await this.#files.writeHba(hba);
    if (this.#server.running() !== undefined) await this.#server.reload();
    return true;
  }

  // configuration

  /** Cellar renders the server's own settings from the flavor: Trove's template has no place here. */
  override async resetConfiguration(_configContents: string): Promise<void> {}

  override async updateOverrides(overrides: Overrides, remove: boolean): Promise<void> {
    this.#mustBePrepared('Configuration values');
    await this.#overrides.update(overrides, remove);
  }

  override async applyOverrides(overrides: Overrides): Promise<void> {
    this.#mustBePrepared('Configuration values');
    await this.#overrides.apply(overrides);
  }

  #mustBePrepared(what: string): void {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: `${what} cannot be applied: the instance has not been prepared.`,
      });
  }

  // guest-logs

  /** The server log, its statements and its slow statements (logs.ts). */
  logFiles(): readonly DatastoreLogFile[] {
    return postgresqlLogs({
      logFile: this.#files.logFile,
      dataDir: this.#files.dataDir,
      user: async () => (await this.#files.spawning()).user,
      reload: async () => {
        if (this.#server.running() !== undefined) await this.#server.reload();
      },
      longQueryMs: this.context.options.guest_log_long_query_time,
    });
  }
}

export default defineDatastoreGuest({ name: 'postgresql', manager: PostgresqlManager, standby });
