// The abstract base of every datastore's guest manager: Trove's guest operation set as typed
// methods. prepare and the lifecycle basics are abstract; every optional operation answers
// DatastoreOperationNotSupported until a datastore overrides it and declares its capability.
// The operations come from guest-operations.ts: the refusals are installed from it, and
// `implements GuestOperationMethods` holds every signature below to its declared schemas.

import { statfs } from 'node:fs/promises';
import { DatastoreOperationNotSupported } from '../errors/catalog.js';
import type {
  BackupInfo,
  DatabaseSpec,
  FilesystemStats,
  GuestLog,
  GuestLogAction,
  Json,
  ListParams,
  Page,
  PrepareRequest,
  ServiceStatus,
  UserInfo,
  UserRef,
  UserSpec,
} from './guest-types.js';
import { guestOperations } from './guest-operations.js';
import type { GuestBackupObjects } from '../backup/strategy.js';
import type { ReplicationState } from '../replication/replication.js';
import type { GuestMetrics } from '../metrics/guest-metrics.js';
import type { GuestOperation, GuestOperationMethods } from './guest-operation-views.js';

export interface GuestLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** What the guest agent hands a manager when it creates it. */
export interface GuestContext<O = Readonly<Record<string, unknown>>> {
  /** The datastore's name, as in `datastore_manager`. */
  readonly datastore: string;
  readonly guestId: string;
  /** The datastore's guest option group, validated. */
  readonly options: O;
  /** Where the data volume is mounted; filesystem stats are read here. */
  readonly mountPoint: string;
  /** The instance's own address: the datastore listens here, on its standard ports, as on its own server. */
  readonly address: string;
  /** A directory only the guest's OS user can enter: unix sockets and pid files go here. */
  readonly runDir: string;
  /** Where the datastore's own logs go, beside the guest agent's. */
  readonly logDir: string;
  /** The datastore version this guest runs (`[DEFAULT] datastore_version`), when configured. */
  readonly datastoreVersion?: string;
  /**
   * When this agent waited as a standby: the directory its datastore's `standby` work used, and
   * that work's end (rejected when it failed). What is there was made for no instance in
   * particular; the manager takes it or ignores it.
   */
  readonly standby?: { readonly dir: string; readonly done: Promise<void> };
  /**
   * The deployment's backup storage, holding only this instance's project's objects; absent when
   * the guest was given none. For datastores that keep objects beyond a backup (a WAL archive).
   */
  readonly backupObjects?: GuestBackupObjects;
  /**
   * Restores a backup chain (`info` and its parents) with the datastore's restore strategy,
   * verifying every object's SHA-256 before its data is used. prepare calls it instead of
   * initialising when its request carries `backupInfo`; absent when the guest has no storage.
   */
  readonly restore?: (info: BackupInfo) => Promise<void>;
  readonly log: GuestLogger;
}

const GB = 1024 ** 3;
const round2 = (n: number): number => Math.round(n * 100) / 100;

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the prototype gets the interface's methods from installRefusals()
export abstract class BaseDatastoreManager<
  O = Readonly<Record<string, unknown>>,
> implements GuestOperationMethods {
  constructor(protected readonly context: GuestContext<O>) {}

  get datastore(): string {
    return this.context.datastore;
  }

  /** The typed refusal every unsupported operation answers with. */
  protected notSupported(operation: GuestOperation): never {
    throw new DatastoreOperationNotSupported({ operation, datastore: this.datastore });
  }

  // Lifecycle: every datastore has these.

  /**
   * Work prepare will need that does not depend on its request (initialising a data directory):
   * the agent begins it the moment it starts on an unprepared instance, so it overlaps the control
   * plane's own steps. prepare must wait for it (or do it) and must not fail because it ran.
   */
  async prepareAhead(): Promise<void> {}

  /**
   * The agent started on an instance prepared earlier (it restarted, or its server did): bring the
   * database back if it is not running, as a rebooted server would. Nothing by default.
   */
  async resume(): Promise<void> {}

  /** Initialise and start the database server, then create the requested databases, users and root. */
  abstract prepare(request: PrepareRequest): Promise<void>;
  abstract restart(): Promise<void>;
  abstract stopDb(): Promise<void>;
  /** The actual state of the server, computed fresh: sent in every heartbeat. */
  abstract getServiceStatus(): Promise<ServiceStatus>;

  async getFilesystemStats(): Promise<FilesystemStats> {
    const s = await statfs(this.context.mountPoint);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return {
      blockSize: s.bsize,
      totalBlocks: s.blocks,
      freeBlocks: s.bavail,
      total: round2(total / GB),
      used: round2((total - s.bfree * s.bsize) / GB),
      free,
    };
  }

  async rpcPing(): Promise<boolean> {
    return true;
  }

  /**
   * Lets only these CIDRs connect (all when the list is empty), enforced by the datastore itself.
   * Answers whether it is enforced: a datastore that cannot filter clients keeps the base answer,
   * false, and the control plane's recorded security rules are all there is.
   */
  async applyAccess(_allowedCidrs: readonly string[]): Promise<boolean> {
    return false;
  }

  /**
   * The server's replication role and position, sent in every heartbeat; undefined (the base) for
   * a datastore without replication. Must answer quickly: the heartbeat waits for it.
   */
  async replicationState(): Promise<ReplicationState | undefined> {
    return undefined;
  }

  /**
   * The datastore's gauges (connections, transactions or commands per second, memory), sent in
   * every heartbeat; undefined (the base) for a datastore without them. The agent adds the disk
   * figures of the mount point and a replica's lag itself. Must answer quickly, as the above.
   */
  async metrics(): Promise<GuestMetrics | undefined> {
    return undefined;
  }
}

/**
 * The optional operations. Their bodies are the refusals installed below from the declaration;
 * TypeScript needs the signatures written as methods so that datastores can override them.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- merged declarations share type parameters
export interface BaseDatastoreManager<O> {
  // databases
  createDatabase(databases: readonly DatabaseSpec[]): Promise<void>;
  listDatabases(params: ListParams): Promise<Page<DatabaseSpec>>;
  deleteDatabase(database: DatabaseSpec): Promise<void>;

  // users
  createUser(users: readonly UserSpec[]): Promise<void>;
  listUsers(params: ListParams): Promise<Page<UserInfo>>;
  getUser(user: UserRef): Promise<UserInfo | undefined>;
  deleteUser(user: UserRef): Promise<void>;
  changePasswords(users: readonly (UserRef & { readonly password: string })[]): Promise<void>;
  updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void>;

  // user-access
  grantAccess(user: UserRef, databases: readonly string[]): Promise<void>;
  revokeAccess(user: UserRef, database: string): Promise<void>;
  listAccess(user: UserRef): Promise<readonly DatabaseSpec[]>;

  // root
  /** Enables root with a generated password and returns the account (name and password). */
  enableRoot(): Promise<UserSpec>;
  enableRootWithPassword(password: string): Promise<UserSpec>;
  disableRoot(): Promise<void>;
  isRootEnabled(): Promise<boolean>;
  getRootPassword(): Promise<string | undefined>;

  // backup and restore
  createBackup(backup: BackupInfo): Promise<void>;
  performRestore(backup: BackupInfo): Promise<void>;

  // configuration
  resetConfiguration(configContents: string): Promise<void>;
  /**
   * Makes `overrides` the instance's whole set of configuration-group values, kept where the
   * server reads them at every start (replacing the set before); `remove` clears the set. Nothing
   * is applied to the running server: a restart, or applyOverrides for the dynamic ones, does.
   */
  updateOverrides(overrides: Readonly<Record<string, Json>>, remove: boolean): Promise<void>;
  /**
   * Applies these values to the running server at once (the control plane sends only those its
   * catalog says need no restart). A value of null puts the parameter back to what it is without
   * any group (the group dropped it). Fails naming the parameter the server refused; the caller
   * then restores the previous set.
   */
  applyOverrides(overrides: Readonly<Record<string, Json>>): Promise<void>;

  // flavor-resize
  startDbWithConfChanges(configContents: string, memoryMb: number): Promise<void>;

  // volume-resize
  mountVolume(devicePath: string, mountPoint: string): Promise<void>;
  unmountVolume(devicePath: string, mountPoint: string): Promise<void>;
  resizeFs(devicePath: string, mountPoint: string, online: boolean): Promise<void>;

  // replication (the shapes are in replication/replication.ts)
  /** True: Cellar seeds every replica from a backup of its source, as Trove does. */
  backupRequiredForReplication(): Promise<boolean>;
  /**
   * On a source, before the seeding backup: make it able to serve this replica (the replication
   * account, what keeps the log the replica will need, synchronous commit when asked) and answer
   * how the replica reaches it. `snapshotInfo` is a ReplicationSnapshotRequest; the answer a
   * ReplicationSource. The replica's prepare gets that answer as `request.snapshot` with the
   * backup as `request.backupInfo`, restores, and follows the source read-only.
   */
  getReplicationSnapshot(snapshotInfo: Json, replicaSourceConfig: Json): Promise<Json>;
  /**
   * On a replica, or a former source that came back: follow the source `replicaInfo` (a
   * ReplicationSource) from here on, read-only. Refuses with a typed error when this server's
   * data has gone past what the source has (a former source with writes its replica never got);
   * the control plane then seeds it again from a backup.
   */
  attachReplica(replicaInfo: Json, slaveConfig: Json, restart: boolean): Promise<void>;
  /** On a replica: stop following and accept writes (promotion); answers its final position. */
  detachReplica(forFailover: boolean): Promise<Json>;
  /** On a source: a ReplicationSource for re-pointing an existing replica at it. */
  getReplicaContext(): Promise<Json>;
  makeReadOnly(readOnly: boolean): Promise<void>;
  /** On a newly promoted replica: serve replicas (`replicaSourceConfig`: {replicaIds, synchronous}). */
  enableAsMaster(replicaSourceConfig: Json): Promise<void>;
  /** On a former source about to follow another: stop serving replicas. */
  demoteReplicationMaster(): Promise<void>;
  /** The source this server follows (or its own id) and its last replayed position. */
  getLastTxn(): Promise<readonly [source: string, txn: string]>;
  /** The last position this server wrote or replayed. */
  getLatestTxnId(): Promise<string>;
  /** Waits until this replica has replayed up to `txn` (a position getLatestTxnId answered). */
  waitForTxn(txn: string): Promise<void>;

  // guest-logs: the guest agent serves these itself over the manager's logFiles() declarations
  // (guest-log-files.ts); a datastore declares its logs there rather than overriding them.
  guestLogList(): Promise<readonly GuestLog[]>;
  guestLogAction(action: GuestLogAction): Promise<GuestLog>;

  // modules
  moduleList(includeContents: boolean): Promise<readonly Json[]>;
  moduleApply(modules: readonly Json[]): Promise<readonly Json[]>;
  moduleRemove(module: Json): Promise<void>;

  // upgrade
  preUpgrade(): Promise<Json>;
  upgrade(upgradeInfo: Json): Promise<void>;
  postUpgrade(upgradeInfo: Json): Promise<void>;

  // rebuild
  rebuild(datastoreVersion: string, configContents: string, overrides: Json): Promise<void>;

  // cluster
  clusterComplete(): Promise<void>;
  installCluster(
    replicationUser: UserSpec,
    clusterConfiguration: Json,
    bootstrap: boolean,
  ): Promise<void>;
  getClusterContext(): Promise<Json>;
  resetAdminPassword(password: string): Promise<void>;
}

/** Gives the base every optional operation as a refusal naming the operation and the datastore. */
function installRefusals(): void {
  for (const [operation, { method, capability }] of Object.entries(guestOperations)) {
    if (capability === 'core') continue;
    const refusals = {
      async [method](this: BaseDatastoreManager<unknown>): Promise<never> {
        throw new DatastoreOperationNotSupported({ operation, datastore: this.datastore });
      },
    };
    Object.defineProperty(BaseDatastoreManager.prototype, method, {
      value: refusals[method],
      writable: true,
      configurable: true,
    });
  }
}
installRefusals();
