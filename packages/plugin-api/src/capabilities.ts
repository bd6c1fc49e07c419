// What a datastore can declare it does, and which guest operations each capability brings.
// The API answers 501 for an operation whose capability the datastore does not declare.

export const capabilities = {
  databases: 'create, list and delete databases (schemas)',
  users: 'create, list, show, update and delete users; change their passwords',
  'user-access': "grant, revoke and list a user's access to databases",
  root: 'enable, disable and show the root (superuser) account',
  'root-password': 'read back the generated root password (datastores without user accounts)',
  backup: 'take backups',
  restore: 'create an instance from a backup',
  configuration: 'configuration groups: apply and remove parameter overrides',
  'flavor-resize': 'restart with the settings of a new flavor',
  'volume-resize': 'grow the data volume',
  replication: 'replicas: snapshot, attach, detach, promote and eject',
  'guest-logs': 'list, enable, publish and discard datastore logs',
  modules: 'apply and remove modules',
  upgrade: 'upgrade to another datastore version in place',
  rebuild: 'rebuild the instance on a new image keeping its data',
  cluster: 'clusters of several instances',
} as const;

export type Capability = keyof typeof capabilities;

export const capabilityNames = Object.keys(capabilities) as Capability[];

export function isCapability(name: string): name is Capability {
  return Object.hasOwn(capabilities, name);
}

/**
 * Every guest operation by its wire (Trove RPC) name: the manager method that carries it out and
 * the capability it needs; `core` operations every datastore must support.
 */
export const guestOperations = {
  prepare: { method: 'prepare', capability: 'core' },
  restart: { method: 'restart', capability: 'core' },
  stop_db: { method: 'stopDb', capability: 'core' },
  get_service_status: { method: 'getServiceStatus', capability: 'core' },
  get_filesystem_stats: { method: 'getFilesystemStats', capability: 'core' },
  rpc_ping: { method: 'rpcPing', capability: 'core' },
  /** Cellar's own: who may connect, enforced by the datastore where it can (Trove left it to security groups). */
  apply_access: { method: 'applyAccess', capability: 'core' },

  create_database: { method: 'createDatabase', capability: 'databases' },
  list_databases: { method: 'listDatabases', capability: 'databases' },
  delete_database: { method: 'deleteDatabase', capability: 'databases' },

  create_user: { method: 'createUser', capability: 'users' },
  list_users: { method: 'listUsers', capability: 'users' },
  get_user: { method: 'getUser', capability: 'users' },
  delete_user: { method: 'deleteUser', capability: 'users' },
  change_passwords: { method: 'changePasswords', capability: 'users' },
  update_attributes: { method: 'updateAttributes', capability: 'users' },

  grant_access: { method: 'grantAccess', capability: 'user-access' },
  revoke_access: { method: 'revokeAccess', capability: 'user-access' },
  list_access: { method: 'listAccess', capability: 'user-access' },

  enable_root: { method: 'enableRoot', capability: 'root' },
  enable_root_with_password: { method: 'enableRootWithPassword', capability: 'root' },
  disable_root: { method: 'disableRoot', capability: 'root' },
  is_root_enabled: { method: 'isRootEnabled', capability: 'root' },
  get_root_password: { method: 'getRootPassword', capability: 'root-password' },

  create_backup: { method: 'createBackup', capability: 'backup' },
  perform_restore: { method: 'performRestore', capability: 'restore' },

  reset_configuration: { method: 'resetConfiguration', capability: 'configuration' },
  update_overrides: { method: 'updateOverrides', capability: 'configuration' },
  apply_overrides: { method: 'applyOverrides', capability: 'configuration' },

  start_db_with_conf_changes: { method: 'startDbWithConfChanges', capability: 'flavor-resize' },

  mount_volume: { method: 'mountVolume', capability: 'volume-resize' },
  unmount_volume: { method: 'unmountVolume', capability: 'volume-resize' },
  resize_fs: { method: 'resizeFs', capability: 'volume-resize' },

  backup_required_for_replication: {
    method: 'backupRequiredForReplication',
    capability: 'replication',
  },
  get_replication_snapshot: { method: 'getReplicationSnapshot', capability: 'replication' },
  attach_replica: { method: 'attachReplica', capability: 'replication' },
  detach_replica: { method: 'detachReplica', capability: 'replication' },
  get_replica_context: { method: 'getReplicaContext', capability: 'replication' },
  make_read_only: { method: 'makeReadOnly', capability: 'replication' },
  enable_as_master: { method: 'enableAsMaster', capability: 'replication' },
  demote_replication_master: { method: 'demoteReplicationMaster', capability: 'replication' },
  get_last_txn: { method: 'getLastTxn', capability: 'replication' },
  get_latest_txn_id: { method: 'getLatestTxnId', capability: 'replication' },
  wait_for_txn: { method: 'waitForTxn', capability: 'replication' },

  guest_log_list: { method: 'guestLogList', capability: 'guest-logs' },
  guest_log_action: { method: 'guestLogAction', capability: 'guest-logs' },

  module_list: { method: 'moduleList', capability: 'modules' },
  module_apply: { method: 'moduleApply', capability: 'modules' },
  module_remove: { method: 'moduleRemove', capability: 'modules' },

  pre_upgrade: { method: 'preUpgrade', capability: 'upgrade' },
  upgrade: { method: 'upgrade', capability: 'upgrade' },
  post_upgrade: { method: 'postUpgrade', capability: 'upgrade' },

  rebuild: { method: 'rebuild', capability: 'rebuild' },

  cluster_complete: { method: 'clusterComplete', capability: 'cluster' },
  install_cluster: { method: 'installCluster', capability: 'cluster' },
  get_cluster_context: { method: 'getClusterContext', capability: 'cluster' },
  reset_admin_password: { method: 'resetAdminPassword', capability: 'cluster' },
} as const satisfies Record<string, { method: string; capability: Capability | 'core' }>;

export type GuestOperation = keyof typeof guestOperations;

/** The operations a set of declared capabilities makes available (core ones always). */
export function operationsFor(declared: readonly Capability[]): GuestOperation[] {
  return (Object.keys(guestOperations) as GuestOperation[]).filter((op) => {
    const need = guestOperations[op].capability;
    return need === 'core' || declared.includes(need);
  });
}
