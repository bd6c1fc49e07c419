// Backup and restore strategies: how a datastore turns its data into a stream and a chain of
// streams back into data. A datastore package exports them from entry points in the
// `cellar.backup.strategy` and `cellar.restore.strategy` namespaces, named by its guest option
// `backup_strategy`; the guest agent finds them there, and does the rest itself: compression,
// SHA-256 and size, the storage, progress reports and cleanup of what a failed backup left.

import type { Readable, Writable } from 'node:stream';
import { brand, type Branded } from '../contract.js';
import type { BaseDatastoreManager, GuestLogger } from '../manager/base-datastore-manager.js';
import type { BackupInfo, Json } from '../manager/guest-types.js';
import type {
  BackupObjectInfo,
  GetBackupObject,
  StoredBackupObject,
} from '../backup-storage/contract.js';

/**
 * The backup storage as a guest sees it: the objects of its own project only. Keys are
 * `[A-Za-z0-9._-]` segments joined by `/`; a location is what put returned.
 */
export interface GuestBackupObjects {
  /** The storage's plugin name, as backup records keep it. */
  readonly storage: string;
  put(key: string, body: Readable, signal?: AbortSignal): Promise<StoredBackupObject>;
  /** With `sha256`, the stream errors with BackupChecksumMismatch instead of ending on a mismatch. */
  get(location: string, options?: GetBackupObject): Promise<Readable>;
  list(prefix: string): Promise<BackupObjectInfo[]>;
  /** An object already gone is success. */
  delete(location: string): Promise<void>;
}

/**
 * The zstd process a backup is compressed by, offered to a strategy whose tool writes the raw
 * backup on its standard output: spawned with `stdin` as that output (spawn's stdio), the tool
 * writes straight into zstd and the raw bytes never pass through the agent.
 */
export interface CompressInto {
  /** zstd's standard-input pipe; the agent closes its own end once backup() has returned. */
  readonly stdin: Writable;
  /**
   * zstd's output: a strategy that wrote into `stdin` returns this as its BackupSource's stream.
   * It errors with zstd's exit status and last stderr line when zstd fails.
   */
  readonly compressed: Readable;
}

/** What a backup strategy is given for one backup. */
export interface BackupRun<M extends BaseDatastoreManager<unknown>> {
  /** The instance's manager: the strategy belongs to its datastore and may use what it exposes. */
  readonly manager: M;
  /** The backup being taken: its id, and for an incremental its parent, with the parent's `meta`. */
  readonly backup: BackupInfo;
  /** A directory of the guest's own, emptied before and removed after the run, for small files. */
  readonly workDir: string;
  /** The guest's view of the storage, for strategies that keep more than the one stream. */
  readonly objects: GuestBackupObjects;
  /** Aborted when the backup is cancelled or over its time budget: stop the tools at once. */
  readonly signal: AbortSignal;
  readonly log: GuestLogger;
  /**
   * Present when the backup is compressed with zstd. A strategy may ignore it and return its raw
   * stream as always; one that uses it returns `compressInto.compressed` as its stream.
   */
  readonly compressInto?: CompressInto;
}

/** What a backup strategy produces: the backup's bytes, and how their producer ended. */
export interface BackupSource {
  /**
   * The raw backup (a tar, an mbstream, an RDB file), not compressed: the agent compresses it,
   * hashes it and streams it to the storage without staging it on disk. The one exception is
   * `run.compressInto.compressed`, already compressed by the agent's zstd.
   */
  readonly stream: Readable;
  /**
   * Settles once the producer has exited, after the stream ended: the strategy's facts about the
   * backup (LSNs, the chain's checkpoints), kept on the record as `meta` and handed back to its
   * incrementals and restores; or a rejection saying why the backup is not good (a tool's exit
   * status, its last error line), even when the stream looked complete.
   */
  readonly done: Promise<Readonly<Record<string, Json>>>;
}

export interface BackupStrategy<M extends BaseDatastoreManager<unknown> = never> {
  /** Its name in the namespace, as `backup_strategy` names it (`pg_basebackup`, `mariabackup`). */
  readonly name: string;
  readonly datastore: string;
  /** Whether it takes incrementals on top of a parent; a strategy without refuses them before any work. */
  readonly incremental: boolean;
  backup(run: BackupRun<M>): Promise<BackupSource>;
}

/** One stored backup of a chain, as a restore strategy reads it. */
export interface RestorePiece {
  /** The backup's record: id, type, size, checksum, `meta` as its strategy recorded it. */
  readonly backup: BackupInfo;
  /**
   * The backup's bytes, decompressed, as its strategy produced them. The stream errors with
   * BackupChecksumMismatch (naming the object and both digests) instead of ending when the stored
   * bytes differ from the recorded SHA-256: use nothing read from it until it has ended.
   */
  open(): Promise<Readable>;
  /**
   * The same bytes written straight into `stdin`, a child process's standard-input pipe (a
   * restore's own tool, tar), by a tool of the agent's (zstd), so they never pass through the
   * agent; the agent's end of `stdin` is closed. Resolves once every byte was written and the
   * checksum held; rejects with BackupChecksumMismatch or the writing tool's failure, and then
   * nothing the reading tool made of its input may be used. Absent: read open() instead.
   */
  pipeTo?(stdin: Writable): Promise<void>;
}

/** What a restore strategy is given: the chain to restore, full backup first. */
export interface RestoreRun<M extends BaseDatastoreManager<unknown>> {
  readonly manager: M;
  /** The full backup, then each incremental on it in order, up to the one asked for. */
  readonly chain: readonly RestorePiece[];
  /** Replay up to this moment (ISO-8601), for datastores with point-in-time recovery. */
  readonly restoreTime?: string;
  readonly workDir: string;
  readonly objects: GuestBackupObjects;
  readonly signal: AbortSignal;
  readonly log: GuestLogger;
}

export interface RestoreStrategy<M extends BaseDatastoreManager<unknown> = never> {
  /** The backup strategy whose backups it restores: the same name, in the restore namespace. */
  readonly name: string;
  readonly datastore: string;
  /**
   * Puts the chain's data where the manager will start the server from, with the server
   * stopped; the manager's prepare then starts it. Leaves nothing half restored behind on
   * failure: the instance's create fails with the reason.
   */
  restore(run: RestoreRun<M>): Promise<void>;
}

function checkStrategy(
  kind: string,
  s: { name: string; datastore: string },
  hasFunction: boolean,
): void {
  if (!/^[a-z][a-z0-9_]*$/.test(s.name))
    throw new TypeError(`${kind} strategy name '${s.name}' must match /^[a-z][a-z0-9_]*$/`);
  if (!hasFunction)
    throw new TypeError(`${kind} strategy '${s.name}' of ${s.datastore}: missing its function`);
}

/** A `cellar.backup.strategy` entry point. */
export function defineBackupStrategy<M extends BaseDatastoreManager<unknown>>(
  strategy: BackupStrategy<M>,
): Branded<BackupStrategy<M>> {
  checkStrategy('backup', strategy, typeof strategy.backup === 'function');
  return brand('backup.strategy', strategy.name, strategy);
}

/** A `cellar.restore.strategy` entry point. */
export function defineRestoreStrategy<M extends BaseDatastoreManager<unknown>>(
  strategy: RestoreStrategy<M>,
): Branded<RestoreStrategy<M>> {
  checkStrategy('restore', strategy, typeof strategy.restore === 'function');
  return brand('restore.strategy', strategy.name, strategy);
}
