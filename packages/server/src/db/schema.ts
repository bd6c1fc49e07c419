// The control database's tables as Kysely sees them. Timestamps are ISO-8601 UTC text and flags
// are 0/1 integers, so one schema and one set of queries serve SQLite and PostgreSQL alike.

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  BackupState,
  OperationKind,
  OperationStatus,
  ServerStatus,
  ServiceStatus,
  StepStatus,
  TaskStatus,
} from '../instances/states.js';

export interface ProjectTable {
  id: string;
  name: string;
  description: string;
  enabled: number;
  created_at: string;
}

export interface UserTable {
  id: string;
  name: string;
  /** scrypt: `scrypt$<salt hex>$<hash hex>`. */
  password_hash: string;
  default_project_id: string | null;
  enabled: number;
  created_at: string;
}

export interface RoleAssignmentTable {
  user_id: string;
  project_id: string;
  role: string;
}

export interface TokenTable {
  /** sha256 of the token: the token itself is never stored. */
  id: string;
  user_id: string;
  project_id: string;
  /** JSON array of role names at issue time. */
  roles: string;
  issued_at: string;
  expires_at: string;
  revoked: number;
}

export interface FlavorTable {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  deleted: number;
}

export interface DatastoreTable {
  id: string;
  name: string;
  default_version_id: string | null;
  /** 1 when an administrator chose the default (kept while that version is active). */
  default_chosen: Generated<number>;
}

export interface DatastoreVersionTable {
  id: string;
  datastore_id: string;
  name: string;
  manager: string;
  /** Where this host has the version (binaries directory). */
  location: string;
  active: number;
  /** 1 when an administrator disabled the version: inactive whatever the host offers. */
  disabled: Generated<number>;
}

export interface InstanceTable {
  id: string;
  name: string;
  tenant_id: string;
  flavor_id: string;
  volume_size: number | null;
  volume_type: string | null;
  datastore_version_id: string;
  task_status: TaskStatus;
  server_status: ServerStatus;
  address: string | null;
  hostname: string | null;
  /** JSON `{is_public, allowed_cidrs}`. */
  access: string;
  availability_zone: string | null;
  locality: string | null;
  /** JSON: the request's nics, recorded where a driver cannot use them. */
  nics: string;
  /** JSON: the network rules made from the datastore's ports and the allowed CIDRs. */
  security_rules: string;
  /** The per-instance RPC key, encrypted with the control plane's key. */
  rpc_key: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** The configuration group attached (migration 0008). */
  configuration_id: string | null;
  /** 1 while a changed configuration value waits for a restart (migration 0008). */
  restart_required: Generated<number>;
}

export interface ServiceStatusTable {
  instance_id: string;
  status: ServiceStatus;
  /** The last heartbeat, the liveness timestamp. */
  updated_at: string;
}

export interface InstanceFaultTable {
  id: string;
  instance_id: string;
  code: string;
  message: string;
  details: string;
  created_at: string;
}

export interface OperationTable {
  id: string;
  instance_id: string;
  kind: OperationKind;
  status: OperationStatus;
  /** JSON: what the operation needs to run or resume, without its secrets. */
  request: string;
  /**
   * The secrets it needs too (a create's passwords), sealed with the control key; erased (null)
   * when the operation ends.
   */
  secrets: string | null;
  /** The taskmanager running it, while it does; null when none has claimed it or it ended. */
  claimed_by: string | null;
  /** ISO time until which `claimed_by` holds it unless renewed; a peer may take it after. */
  lease_until: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export interface OperationStepTable {
  operation_id: string;
  seq: number;
  name: string;
  status: StepStatus;
  started_at: string | null;
  ended_at: string | null;
  error_code: string | null;
  error_message: string | null;
  /** What the step found worth keeping (a failover's lag at promotion); migration 0009. */
  detail?: string | null;
}

export interface ConductorLastSeenTable {
  instance_id: string;
  method: string;
  sent: number;
}

export interface QuotaTable {
  tenant_id: string;
  resource: string;
  hard_limit: number;
}

export interface QuotaUsageTable {
  tenant_id: string;
  resource: string;
  in_use: number;
  reserved: number;
}

export interface RootHistoryTable {
  instance_id: string;
  user_id: string;
  created_at: string;
}

export interface BackupTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  instance_id: string;
  datastore: string;
  datastore_version: string;
  datastore_version_id: string;
  /** The backup an incremental builds on; null for a full one. */
  parent_id: string | null;
  state: BackupState;
  /** The storage plugin holding the object (`local`, `swift`, `s3`). */
  storage: string;
  /** `<instance id>/<backup id>`: the object's name inside the project. */
  object_key: string;
  /** What the storage returned for the object; set when the guest reports it COMPLETED. */
  location: string | null;
  /** Bytes stored. */
  size: number | null;
  /** Bytes stored so far, while the guest streams it. */
  progress: number | null;
  /** Lower-case hex SHA-256 of the stored bytes. */
  checksum: string | null;
  /** `zstd`, `gzip` or `none`. */
  compression: string | null;
  /** The datastore's backup strategy that takes it (`pg_basebackup`, `mariabackup`, ...). */
  strategy: string;
  /** JSON: the strategy's facts (LSNs, checkpoints) for its incrementals and restores. */
  meta: string;
  fault_code: string | null;
  fault_message: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A backup whose stored parts are not all removed yet (migration 0007). */
export interface BackupLeftoverTable {
  backup_id: string;
  since: string;
  /** Sweeps that tried and did not finish. */
  attempts: Generated<number>;
  /** Why the last one did not. */
  last_error: string | null;
  /** The taskmanager whose sweeper holds it, and until when. */
  swept_by: string | null;
  sweep_until: string | null;
}

/** A replica and the seed it was made from (migration 0009). */
export interface ReplicaTable {
  instance_id: string;
  source_id: string;
  synchronous: number;
  backup_id: string | null;
  /** The source's ReplicationSource, sealed with the control key. */
  snapshot: string | null;
  created_at: string;
}

/** The last replication state a guest's heartbeat carried (migration 0009). */
export interface ReplicationStateTable {
  instance_id: string;
  /** JSON: a ReplicationState. */
  state: string;
  updated_at: string;
}

/** A source an automatic failover fenced: it comes back only as a replica of its successor. */
export interface ReplicationFenceTable {
  instance_id: string;
  successor_id: string;
  fenced_at: string;
  rejoined_at: string | null;
}

/** A deleted instance whose continuous archive was removed for good (migration 0007). */
export interface ArchiveRemovedTable {
  instance_id: string;
  removed_at: string;
}

/** A configuration group (migration 0008); a deleted one keeps its row. */
export interface ConfigurationTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  datastore_version_id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** One value of a configuration group: `value` is JSON (number, string or boolean). */
export interface ConfigurationValueTable {
  configuration_id: string;
  name: string;
  value: string;
}

/** A change of an instance, operation or backup, written by triggers (migration 0012). */
export interface EventTable {
  /** Grows with every row; bigint on PostgreSQL, so read back as a string there. */
  seq: Generated<number | string>;
  /** PostgreSQL's transaction id of the change (0 on SQLite): the first key of the order. */
  tx: number | string;
  project_id: string;
  kind: 'instance' | 'operation' | 'backup';
  resource_id: string;
  at: string;
}

/** One gauge of one instance over one minute (migration 0013-metrics). */
export interface InstanceMetricTable {
  instance_id: string;
  name: string;
  /** Whole minutes since the Unix epoch. */
  minute: number;
  /** The sum of the minute's readings; with `samples`, their mean. */
  total: number;
  samples: number;
}

export interface Database {
  projects: ProjectTable;
  users: UserTable;
  role_assignments: RoleAssignmentTable;
  tokens: TokenTable;
  flavors: FlavorTable;
  datastores: DatastoreTable;
  datastore_versions: DatastoreVersionTable;
  instances: InstanceTable;
  service_statuses: ServiceStatusTable;
  instance_faults: InstanceFaultTable;
  operations: OperationTable;
  operation_steps: OperationStepTable;
  conductor_lastseen: ConductorLastSeenTable;
  quotas: QuotaTable;
  quota_usages: QuotaUsageTable;
  root_history: RootHistoryTable;
  backups: BackupTable;
  backup_leftovers: BackupLeftoverTable;
  archives_removed: ArchiveRemovedTable;
  configurations: ConfigurationTable;
  configuration_values: ConfigurationValueTable;
  replicas: ReplicaTable;
  replication_states: ReplicationStateTable;
  replication_fences: ReplicationFenceTable;
  events: EventTable;
  instance_metrics: InstanceMetricTable;
}

export type Instance = Selectable<InstanceTable>;
export type NewInstance = Insertable<InstanceTable>;
export type InstanceUpdate = Updateable<InstanceTable>;
export type InstanceFault = Selectable<InstanceFaultTable>;
export type Operation = Selectable<OperationTable>;
export type OperationStep = Selectable<OperationStepTable>;
export type Flavor = Selectable<FlavorTable>;
export type Backup = Selectable<BackupTable>;
export type BackupLeftover = Selectable<BackupLeftoverTable>;
export type Configuration = Selectable<ConfigurationTable>;

export const now = (): string => new Date().toISOString();
