// The values guest operations take and return, in Cellar's words; the RPC layer maps them to and
// from Trove's wire shapes (`_name`, `_host`, …).

export interface DatabaseSpec {
  readonly name: string;
  readonly characterSet?: string;
  readonly collate?: string;
}

export interface UserSpec {
  readonly name: string;
  /** The host pattern the account may connect from (MySQL); `%` when absent. */
  readonly host?: string;
  readonly password?: string;
  readonly databases?: readonly DatabaseSpec[];
  /**
   * The datastore's own access rules for the user, where it has such rules (Redis ACL rules such
   * as `~app:* +@read`); datastores without them ignore it.
   */
  readonly rules?: string;
}

export interface UserInfo {
  readonly name: string;
  readonly host?: string;
  readonly databases: readonly DatabaseSpec[];
  /**
   * The datastore's own access rules for the user, where it has such rules (Redis ACL rules such
   * as `~app:* +@read`); datastores without them ignore it.
   */
  readonly rules?: string;
}

export interface UserRef {
  readonly name: string;
  readonly host?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts; absent on the last page. */
  readonly nextMarker?: string;
}

export interface ListParams {
  readonly limit?: number;
  readonly marker?: string;
  readonly includeMarker?: boolean;
}

/**
 * One page of items sorted by key, as Trove pages databases and users: those after the marker
 * (or from it, with includeMarker), at most `limit`, and where the next page starts.
 */
export function paginate<T>(
  items: readonly T[],
  params: ListParams,
  key: (item: T) => string,
): Page<T> {
  const { marker } = params;
  const found =
    marker === undefined
      ? 0
      : items.findIndex((i) => (params.includeMarker ? key(i) >= marker : key(i) > marker));
  const start = found === -1 ? items.length : found;
  const limit = params.limit ?? items.length;
  const slice = items.slice(start, start + limit);
  const last = slice.at(-1);
  return start + limit < items.length && last !== undefined
    ? { items: slice, nextMarker: key(last) }
    : { items: slice };
}

/**
 * A backup as the guest is told of it: the one to take (create_backup), or one link of the chain
 * to restore (prepare's backupInfo), each link carrying its parent.
 */
export interface BackupInfo {
  readonly id: string;
  /** The project the backup belongs to: the storage keeps projects apart. */
  readonly project?: string;
  /** The storage plugin holding it (`local`, `swift`, `s3`). */
  readonly storage?: string;
  /** For a backup to take: the object key to store it under. */
  readonly key?: string;
  /** Where the storage keeps it (what put returned); opaque to all but that storage. */
  readonly location?: string;
  /** The strategy that made it (`pg_basebackup`, `mariabackup`, `redis_rdb`). */
  readonly type?: string;
  /** How the stored bytes are compressed: `zstd`, `gzip` or `none`. */
  readonly compression?: string;
  /** Lower-case hex SHA-256 of the stored bytes. */
  readonly checksum?: string;
  /** Bytes stored. */
  readonly size?: number;
  /** What its strategy recorded about it (LSNs, checkpoints), for its incrementals and restores. */
  readonly meta?: Readonly<Record<string, Json>>;
  /** The instance it was taken of. */
  readonly instanceId?: string;
  /** For a restore to a point in time: replay up to this moment (ISO-8601). */
  readonly restoreTime?: string;
  readonly parent?: BackupInfo;
}

export interface PrepareRequest {
  /** The flavor's RAM: the datastore sizes its memory settings from it. */
  readonly memoryMb: number;
  /** Where the data volume is; the guest's own `[<datastore>] mount_point` when absent. */
  readonly mountPoint?: string;
  readonly databases: readonly DatabaseSpec[];
  readonly users: readonly UserSpec[];
  /** Set when the datastore's `root_on_create` is on: the password the create response returned. */
  readonly rootPassword?: string;
  readonly backupInfo?: BackupInfo;
  readonly configContents?: string;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly datastoreVersion?: string;
  /** The CIDRs allowed to connect; the datastore enforces them itself where it can. */
  readonly allowedCidrs?: readonly string[];
  readonly snapshot?: Readonly<Record<string, unknown>>;
}

/** Trove's service status descriptions, as the guest reports them in heartbeats. */
export type ServiceStatus =
  | 'new'
  | 'building'
  | 'healthy'
  | 'running'
  | 'shutdown'
  | 'paused'
  | 'crashed'
  | 'failed to spawn'
  | 'restart required'
  | 'unknown';

export interface FilesystemStats {
  readonly blockSize: number;
  readonly totalBlocks: number;
  readonly freeBlocks: number;
  /** GB, two decimals, as Trove reports. */
  readonly total: number;
  readonly used: number;
  /** Bytes. */
  readonly free: number;
}

export interface GuestLog {
  readonly name: string;
  readonly type: 'USER' | 'SYS';
  readonly status: string;
  readonly published: number;
  readonly pending: number;
  readonly container?: string;
  readonly prefix?: string;
  readonly metafile?: string;
  /** Whether users without the admin role may see and act on it (`guest_log_exposed_logs`). */
  readonly exposed?: boolean;
}

export interface GuestLogAction {
  readonly logName: string;
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly publish?: boolean;
  readonly discard?: boolean;
}

export type Json =
  null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
