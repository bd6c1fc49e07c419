// Every guest operation, declared once: its wire (Trove RPC) name, the manager method that carries
// it out, the capability it needs, its arguments in the method's order and its result. The
// capability gates, the base manager's refusals, the RPC schemas and the served table all read it.

import { Type } from '@sinclair/typebox';
import type { OperationSpec } from './guest-operation-views.js';
import {
  backupInfoSchema,
  databaseSchema,
  filesystemStatsSchema,
  guestLogActionSchema,
  guestLogSchema,
  jsonSchema,
  listParamsSchema,
  pageSchema,
  prepareRequestSchema,
  serviceStatusSchema,
  userInfoSchema,
  userRefSchema,
  userAttributesSchema,
  userPasswordSchema,
  userSchema,
} from './guest-schemas.js';

const str = Type.String();
const bool = Type.Boolean();
const none = Type.Void();
const json = jsonSchema;

/** The declaration. Adding an operation here adds it to the protocol; the base manager then needs its signature. */
export const guestOperations = {
  prepare: {
    method: 'prepare',
    capability: 'core',
    params: [['request', prepareRequestSchema]],
    result: none,
  },
  restart: { method: 'restart', capability: 'core', params: [], result: none },
  stop_db: { method: 'stopDb', capability: 'core', params: [], result: none },
  get_service_status: {
    method: 'getServiceStatus',
    capability: 'core',
    params: [],
    result: serviceStatusSchema,
  },
  get_filesystem_stats: {
    method: 'getFilesystemStats',
    capability: 'core',
    params: [],
    result: filesystemStatsSchema,
  },
  rpc_ping: { method: 'rpcPing', capability: 'core', params: [], result: bool },
  /** Cellar's own: who may connect, enforced by the datastore where it can (Trove left it to security groups). */
  apply_access: {
    method: 'applyAccess',
    capability: 'core',
    params: [['allowed_cidrs', Type.Array(str)]],
    result: bool,
  },

  create_database: {
    method: 'createDatabase',
    capability: 'databases',
    params: [['databases', Type.Array(databaseSchema)]],
    result: none,
  },
  list_databases: {
    method: 'listDatabases',
    capability: 'databases',
    params: [['params', listParamsSchema]],
    result: pageSchema(databaseSchema),
  },
  delete_database: {
    method: 'deleteDatabase',
    capability: 'databases',
    params: [['database', databaseSchema]],
    result: none,
  },

  create_user: {
    method: 'createUser',
    capability: 'users',
    params: [['users', Type.Array(userSchema)]],
    result: none,
  },
  list_users: {
    method: 'listUsers',
    capability: 'users',
    params: [['params', listParamsSchema]],
    result: pageSchema(userInfoSchema),
  },
  get_user: {
    method: 'getUser',
    capability: 'users',
    params: [['user', userRefSchema]],
    result: Type.Union([userInfoSchema, Type.Undefined()]),
  },
  delete_user: {
    method: 'deleteUser',
    capability: 'users',
    params: [['user', userRefSchema]],
    result: none,
  },
  change_passwords: {
    method: 'changePasswords',
    capability: 'users',
    params: [['users', Type.Array(userPasswordSchema)]],
    result: none,
  },
  update_attributes: {
    method: 'updateAttributes',
    capability: 'users',
    params: [
      ['user', userRefSchema],
      ['attributes', userAttributesSchema],
    ],
    result: none,
  },

  grant_access: {
    method: 'grantAccess',
    capability: 'user-access',
    params: [
      ['user', userRefSchema],
      ['databases', Type.Array(str)],
    ],
    result: none,
  },
  revoke_access: {
    method: 'revokeAccess',
    capability: 'user-access',
    params: [
      ['user', userRefSchema],
      ['database', str],
    ],
    result: none,
  },
  list_access: {
    method: 'listAccess',
    capability: 'user-access',
    params: [['user', userRefSchema]],
    result: Type.Array(databaseSchema),
  },

  enable_root: { method: 'enableRoot', capability: 'root', params: [], result: userSchema },
  enable_root_with_password: {
    method: 'enableRootWithPassword',
    capability: 'root',
    params: [['password', str]],
    result: userSchema,
  },
  disable_root: { method: 'disableRoot', capability: 'root', params: [], result: none },
  is_root_enabled: { method: 'isRootEnabled', capability: 'root', params: [], result: bool },
  get_root_password: {
    method: 'getRootPassword',
    capability: 'root-password',
    params: [],
    result: Type.Union([str, Type.Undefined()]),
  },

  create_backup: {
    method: 'createBackup',
    capability: 'backup',
    params: [['backup_info', backupInfoSchema]],
    result: none,
  },
  perform_restore: {
    method: 'performRestore',
    capability: 'restore',
    params: [['backup_info', backupInfoSchema]],
    result: none,
  },

  reset_configuration: {
    method: 'resetConfiguration',
    capability: 'configuration',
    params: [['config_contents', str]],
    result: none,
  },
  update_overrides: {
    method: 'updateOverrides',
    capability: 'configuration',
    params: [
      ['overrides', Type.Record(str, json)],
      ['remove', bool],
    ],
    result: none,
  },
  apply_overrides: {
    method: 'applyOverrides',
    capability: 'configuration',
    params: [['overrides', Type.Record(str, json)]],
    result: none,
  },

  start_db_with_conf_changes: {
    method: 'startDbWithConfChanges',
    capability: 'flavor-resize',
    params: [
      ['config_contents', str],
      ['memory_mb', Type.Integer({ minimum: 1 })],
    ],
    result: none,
  },

  mount_volume: {
    method: 'mountVolume',
    capability: 'volume-resize',
    params: [
      ['device_path', str],
      ['mount_point', str],
    ],
    result: none,
  },
  unmount_volume: {
    method: 'unmountVolume',
    capability: 'volume-resize',
    params: [
      ['device_path', str],
      ['mount_point', str],
    ],
    result: none,
  },
  resize_fs: {
    method: 'resizeFs',
    capability: 'volume-resize',
    params: [
      ['device_path', str],
      ['mount_point', str],
      ['online', bool],
    ],
    result: none,
  },

  backup_required_for_replication: {
    method: 'backupRequiredForReplication',
    capability: 'replication',
    params: [],
    result: bool,
  },
  get_replication_snapshot: {
    method: 'getReplicationSnapshot',
    capability: 'replication',
    params: [
      ['snapshot_info', json],
      ['replica_source_config', json],
    ],
    result: json,
  },
  attach_replica: {
    method: 'attachReplica',
    capability: 'replication',
    params: [
      ['replica_info', json],
      ['slave_config', json],
      ['restart', bool],
    ],
    result: none,
  },
  detach_replica: {
    method: 'detachReplica',
    capability: 'replication',
    params: [['for_failover', bool]],
    result: json,
  },
  get_replica_context: {
    method: 'getReplicaContext',
    capability: 'replication',
    params: [],
    result: json,
  },
  make_read_only: {
    method: 'makeReadOnly',
    capability: 'replication',
    params: [['read_only', bool]],
    result: none,
  },
  enable_as_master: {
    method: 'enableAsMaster',
    capability: 'replication',
    params: [['replica_source_config', json]],
    result: none,
  },
  demote_replication_master: {
    method: 'demoteReplicationMaster',
    capability: 'replication',
    params: [],
    result: none,
  },
  get_last_txn: {
    method: 'getLastTxn',
    capability: 'replication',
    params: [],
    result: Type.Tuple([str, str]),
  },
  get_latest_txn_id: {
    method: 'getLatestTxnId',
    capability: 'replication',
    params: [],
    result: str,
  },
  wait_for_txn: {
    method: 'waitForTxn',
    capability: 'replication',
    params: [['txn', str]],
    result: none,
  },

  guest_log_list: {
    method: 'guestLogList',
    capability: 'guest-logs',
    params: [],
    result: Type.Array(guestLogSchema),
  },
  guest_log_action: {
    method: 'guestLogAction',
    capability: 'guest-logs',
    params: [['action', guestLogActionSchema]],
    result: guestLogSchema,
  },

  module_list: {
    method: 'moduleList',
    capability: 'modules',
    params: [['include_contents', bool]],
    result: Type.Array(json),
  },
  module_apply: {
    method: 'moduleApply',
    capability: 'modules',
    params: [['modules', Type.Array(json)]],
    result: Type.Array(json),
  },
  module_remove: {
    method: 'moduleRemove',
    capability: 'modules',
    params: [['module', json]],
    result: none,
  },

  pre_upgrade: { method: 'preUpgrade', capability: 'upgrade', params: [], result: json },
  upgrade: {
    method: 'upgrade',
    capability: 'upgrade',
    params: [['upgrade_info', json]],
    result: none,
  },
  post_upgrade: {
    method: 'postUpgrade',
    capability: 'upgrade',
    params: [['upgrade_info', json]],
    result: none,
  },

  rebuild: {
    method: 'rebuild',
    capability: 'rebuild',
    params: [
      ['datastore_version', str],
      ['config_contents', str],
      ['overrides', json],
    ],
    result: none,
  },

  cluster_complete: {
    method: 'clusterComplete',
    capability: 'cluster',
    params: [],
    result: none,
  },
  install_cluster: {
    method: 'installCluster',
    capability: 'cluster',
    params: [
      ['replication_user', userSchema],
      ['cluster_configuration', json],
      ['bootstrap', bool],
    ],
    result: none,
  },
  get_cluster_context: {
    method: 'getClusterContext',
    capability: 'cluster',
    params: [],
    result: json,
  },
  reset_admin_password: {
    method: 'resetAdminPassword',
    capability: 'cluster',
    params: [['password', str]],
    result: none,
  },
} as const satisfies Record<string, OperationSpec>;
