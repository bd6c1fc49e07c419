// The PostgreSQL guest manager: prepares a data directory on the volume and runs the server as the
// guest's OS user, then manages databases, users, their access and root through its admin socket.

import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generatedPassword,
  BaseDatastoreManager,
  defineDatastoreGuest,
  GuestError,
  InstanceNotReady,
  isCellarError,
  type DatabaseSpec,
  type GroupValues,
  type ListParams,
  type Page,
  type BackupInfo,
  type PrepareRequest,
  type ServiceStatus,
  type UserInfo,
  type UserRef,
  type UserSpec,
  type Json,
  type ReplicationState,
} from '@cellar/plugin-api';
import { grantAccess, listAccess, revokeAccess } from './access.js';
import { AdminSession, message } from './admin-session.js';
import type { PgBackupHost } from './backup-host.js';
import { Catalog } from './catalog.js';
import { renderHba } from './config.js';
import { DataDirectory } from './data-directory.js';
import { createDatabases, deleteDatabase, listDatabases } from './databases.js';
import { Names } from './names.js';
import type options from './options.js';
import { disableRoot, enableRootWithPassword, isRootEnabled } from './root.js';
import { recoveryPending, removeRecoverySettings } from './recovery.js';
import { ServerProcess } from './server-process.js';
import { initdb, standby, takeFromStandby } from './standby.js';
import {
  changePasswords,
  createUsers,
  deleteUser,
  getUser,
  listUsers,
  updateAttributes,
} from './users.js';
import { WalShipper, type WalShippingStatus } from './wal-shipper.js';
import type { ReplicationHost } from './replication/host.js';
import * as replication from './replication/operations.js';

/** How long a restored server may take to replay the WAL it was given. */
const REPLAY_TIMEOUT_MS = 60 * 60_000;

export type PostgresqlOptions = GroupValues<typeof options.guest>;

export class PostgresqlManager extends BaseDatastoreManager<PostgresqlOptions> {
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

  override async getServiceStatus(): Promise<ServiceStatus> {
    if (this.#preparing || !this.#files.prepared) return 'building';
    return this.#server.health();
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

  // databases

  override async createDatabase(databases: readonly DatabaseSpec[]): Promise<void> {
    await createDatabases(this.#catalog, databases, false);
  }

  override async listDatabases(params: ListParams): Promise<Page<DatabaseSpec>> {
    return listDatabases(this.#catalog, params);
  }

  override async deleteDatabase(database: DatabaseSpec): Promise<void> {
    await deleteDatabase(this.#catalog, database, Number(this.#files.dataVersion()));
  }

  // users

  override async createUser(users: readonly UserSpec[]): Promise<void> {
    await createUsers(this.#catalog, users, false);
  }

  override async listUsers(params: ListParams): Promise<Page<UserInfo>> {
    return listUsers(this.#catalog, params);
  }

  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    return getUser(this.#catalog, user);
  }

  override async deleteUser(user: UserRef): Promise<void> {
    await deleteUser(this.#catalog, user);
  }

  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    await changePasswords(this.#catalog, users);
  }

  override async updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void> {
    await updateAttributes(this.#catalog, user, attributes);
  }

  // user-access

  override async grantAccess(user: UserRef, databases: readonly string[]): Promise<void> {
    await grantAccess(this.#catalog, user, databases);
  }

  override async revokeAccess(user: UserRef, database: string): Promise<void> {
    await revokeAccess(this.#catalog, user, database);
  }

  override async listAccess(user: UserRef): Promise<readonly DatabaseSpec[]> {
    return listAccess(this.#catalog, user);
  }

  // root

  override async enableRoot(): Promise<UserSpec> {
    return this.enableRootWithPassword(
      generatedPassword(this.context.options.default_password_length),
    );
  }

  override async enableRootWithPassword(password: string): Promise<UserSpec> {
    return enableRootWithPassword(this.#catalog, password);
  }

  /**
   * Takes root's superuser power, login and password away and ends its sessions, but keeps the
   * role: whatever root created stays, owned by it, and enabling root again gives it back.
   */
  override async disableRoot(): Promise<void> {
    await disableRoot(this.#catalog);
  }

  override async isRootEnabled(): Promise<boolean> {
    return isRootEnabled(this.#catalog);
  }

  // replication (replication/)

  override async backupRequiredForReplication(): Promise<boolean> {
    return true;
  }

  override async getReplicationSnapshot(snapshotInfo: Json, _sourceConfig: Json): Promise<Json> {
    return replication.snapshotOperation(this.#replication, snapshotInfo);
  }

  override async attachReplica(replicaInfo: Json, _config: Json, _restart: boolean): Promise<void> {
    await replication.attachOperation(this.#replication, replicaInfo);
  }

  override async detachReplica(_forFailover: boolean): Promise<Json> {
    return replication.detachOperation(this.#replication);
  }

  override async getReplicaContext(): Promise<Json> {
    return replication.replicaContextOperation(this.#replication);
  }

  override async makeReadOnly(readOnly: boolean): Promise<void> {
    await replication.makeReadOnly(this.#replication, readOnly);
  }

  override async enableAsMaster(replicaSourceConfig: Json): Promise<void> {
    await replication.enableAsMasterOperation(this.#replication, replicaSourceConfig);
  }

  override async demoteReplicationMaster(): Promise<void> {
    await replication.demoteReplicationMaster(this.#replication);
  }

  override async getLastTxn(): Promise<readonly [string, string]> {
    return replication.lastTxn(this.#replication);
  }

  override async getLatestTxnId(): Promise<string> {
    return replication.latestTxnId(this.#replication);
  }

  override async waitForTxn(txn: string): Promise<void> {
    await replication.waitForTxn(this.#replication, txn);
  }

  override async replicationState(): Promise<ReplicationState | undefined> {
    return replication.replicationState(this.#replication);
  }
}

export default defineDatastoreGuest({ name: 'postgresql', manager: PostgresqlManager, standby });
