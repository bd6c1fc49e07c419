// The abstract base of every datastore's guest manager: Trove's guest operation set as typed
// methods. prepare and the lifecycle basics are abstract; every optional operation answers
// DatastoreOperationNotSupported until a datastore overrides it and declares its capability.

import { statfs } from 'node:fs/promises';
import type { GuestOperation } from '../capabilities.js';
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
  readonly log: GuestLogger;
}

const GB = 1024 ** 3;
const round2 = (n: number): number => Math.round(n * 100) / 100;

export abstract class BaseDatastoreManager<O = Readonly<Record<string, unknown>>> {
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

  // databases
  async createDatabase(_databases: readonly DatabaseSpec[]): Promise<void> {
    this.notSupported('create_database');
  }
  async listDatabases(_params: ListParams): Promise<Page<DatabaseSpec>> {
    this.notSupported('list_databases');
  }
  async deleteDatabase(_database: DatabaseSpec): Promise<void> {
    this.notSupported('delete_database');
  }

  // users
  async createUser(_users: readonly UserSpec[]): Promise<void> {
    this.notSupported('create_user');
  }
  async listUsers(_params: ListParams): Promise<Page<UserInfo>> {
    this.notSupported('list_users');
  }
  async getUser(_user: UserRef): Promise<UserInfo | undefined> {
    this.notSupported('get_user');
  }
  async deleteUser(_user: UserRef): Promise<void> {
    this.notSupported('delete_user');
  }
  async changePasswords(
    _users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    this.notSupported('change_passwords');
  }
  async updateAttributes(_user: UserRef, _attributes: Partial<UserSpec>): Promise<void> {
    this.notSupported('update_attributes');
  }

  // user-access
  async grantAccess(_user: UserRef, _databases: readonly string[]): Promise<void> {
    this.notSupported('grant_access');
  }
  async revokeAccess(_user: UserRef, _database: string): Promise<void> {
    this.notSupported('revoke_access');
  }
  async listAccess(_user: UserRef): Promise<readonly DatabaseSpec[]> {
    this.notSupported('list_access');
  }

  // root
  /** Enables root with a generated password and returns the account (name and password). */
  async enableRoot(): Promise<UserSpec> {
    this.notSupported('enable_root');
  }
  async enableRootWithPassword(_password: string): Promise<UserSpec> {
    this.notSupported('enable_root_with_password');
  }
  async disableRoot(): Promise<void> {
    this.notSupported('disable_root');
  }
  async isRootEnabled(): Promise<boolean> {
    this.notSupported('is_root_enabled');
  }
  async getRootPassword(): Promise<string | undefined> {
    this.notSupported('get_root_password');
  }

  // backup and restore
  async createBackup(_backup: BackupInfo): Promise<void> {
    this.notSupported('create_backup');
  }
  async performRestore(_backup: BackupInfo): Promise<void> {
    this.notSupported('perform_restore');
  }

  // configuration
  async resetConfiguration(_configContents: string): Promise<void> {
    this.notSupported('reset_configuration');
  }
  async updateOverrides(
    _overrides: Readonly<Record<string, Json>>,
    _remove: boolean,
  ): Promise<void> {
    this.notSupported('update_overrides');
  }
  async applyOverrides(_overrides: Readonly<Record<string, Json>>): Promise<void> {
    this.notSupported('apply_overrides');
  }

  // flavor-resize
  async startDbWithConfChanges(_configContents: string, _memoryMb: number): Promise<void> {
    this.notSupported('start_db_with_conf_changes');
  }

  // volume-resize
  async mountVolume(_devicePath: string, _mountPoint: string): Promise<void> {
    this.notSupported('mount_volume');
  }
  async unmountVolume(_devicePath: string, _mountPoint: string): Promise<void> {
    this.notSupported('unmount_volume');
  }
  async resizeFs(_devicePath: string, _mountPoint: string, _online: boolean): Promise<void> {
    this.notSupported('resize_fs');
  }

  // replication
  async backupRequiredForReplication(): Promise<boolean> {
    this.notSupported('backup_required_for_replication');
  }
  async getReplicationSnapshot(_snapshotInfo: Json, _replicaSourceConfig: Json): Promise<Json> {
    this.notSupported('get_replication_snapshot');
  }
  async attachReplica(_replicaInfo: Json, _slaveConfig: Json, _restart: boolean): Promise<void> {
    this.notSupported('attach_replica');
  }
  async detachReplica(_forFailover: boolean): Promise<Json> {
    this.notSupported('detach_replica');
  }
  async getReplicaContext(): Promise<Json> {
    this.notSupported('get_replica_context');
  }
  async makeReadOnly(_readOnly: boolean): Promise<void> {
    this.notSupported('make_read_only');
  }
  async enableAsMaster(_replicaSourceConfig: Json): Promise<void> {
    this.notSupported('enable_as_master');
  }
  async demoteReplicationMaster(): Promise<void> {
    this.notSupported('demote_replication_master');
  }
  async getLastTxn(): Promise<readonly [source: string, txn: string]> {
    this.notSupported('get_last_txn');
  }
  async getLatestTxnId(): Promise<string> {
    this.notSupported('get_latest_txn_id');
  }
  async waitForTxn(_txn: string): Promise<void> {
    this.notSupported('wait_for_txn');
  }

  // guest-logs
  async guestLogList(): Promise<readonly GuestLog[]> {
    this.notSupported('guest_log_list');
  }
  async guestLogAction(_action: GuestLogAction): Promise<GuestLog> {
    this.notSupported('guest_log_action');
  }

  // modules
  async moduleList(_includeContents: boolean): Promise<readonly Json[]> {
    this.notSupported('module_list');
  }
  async moduleApply(_modules: readonly Json[]): Promise<readonly Json[]> {
    this.notSupported('module_apply');
  }
  async moduleRemove(_module: Json): Promise<void> {
    this.notSupported('module_remove');
  }

  // upgrade
  async preUpgrade(): Promise<Json> {
    this.notSupported('pre_upgrade');
  }
  async upgrade(_upgradeInfo: Json): Promise<void> {
    this.notSupported('upgrade');
  }
  async postUpgrade(_upgradeInfo: Json): Promise<void> {
    this.notSupported('post_upgrade');
  }

  // rebuild
  async rebuild(
    _datastoreVersion: string,
    _configContents: string,
    _overrides: Json,
  ): Promise<void> {
    this.notSupported('rebuild');
  }

  // cluster
  async clusterComplete(): Promise<void> {
    this.notSupported('cluster_complete');
  }
  async installCluster(
    _replicationUser: UserSpec,
    _clusterConfiguration: Json,
    _bootstrap: boolean,
  ): Promise<void> {
    this.notSupported('install_cluster');
  }
  async getClusterContext(): Promise<Json> {
    this.notSupported('get_cluster_context');
  }
  async resetAdminPassword(_password: string): Promise<void> {
    this.notSupported('reset_admin_password');
  }
}
