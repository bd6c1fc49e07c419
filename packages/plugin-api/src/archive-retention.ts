// A datastore's continuous archive in the backup storage (PostgreSQL's WAL): which of its objects
// no kept backup needs any more. The control plane lists the archive and deletes what the
// datastore names, so it keeps no datastore's knowledge of what an archive holds.

import type { BackupObjectInfo } from './backup-storage/contract.js';
import type { Json } from './manager/guest-types.js';

/** A kept full backup of the instance, as the datastore's strategy recorded it. */
export interface RetainedFullBackup {
  /** The strategy's facts (PostgreSQL: `startSegment`, the first WAL segment it needs). */
  readonly meta: Readonly<Record<string, Json>>;
  /** ISO-8601: when the backup was taken. */
  readonly created: string;
}

export interface ArchiveRetention {
  /** The key prefix of an instance's archive in its project's storage (`wal/<instance id>/`). */
  prefix(instanceId: string): string;
  /**
   * The locations, among `objects` (the archive as list(prefix) answers it), that none of the
   * instance's kept full backups (or the incrementals and restores built on them) needs. Asked
   * only while the instance has at least one; when it has none and is gone, all of it goes.
   */
  expired(
    instanceId: string,
    objects: readonly BackupObjectInfo[],
    fullBackups: readonly RetainedFullBackup[],
  ): string[];
}
