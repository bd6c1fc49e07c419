// The backup storage contract: where backups live (a directory, Swift, S3). A storage plugin
// declares its option group with defineBackupStorageOptions() and its driver with defineBackupStorage().

import type { Readable } from 'node:stream';
import { brand, type Branded } from '../contract.js';
import {
  defineOptionGroup,
  type OptionGroup,
  type Options,
  type OptionValue,
} from '../options/options.js';

/** What a put stored: everything a backup record needs to find and check the object later. */
export interface StoredBackupObject {
  /** Opaque to callers: only the storage that returned it interprets it (keep its name beside it). */
  readonly location: string;
  /** Bytes stored, counted while streaming. */
  readonly size: number;
  /** Lower-case hex SHA-256 of the stored bytes, computed while streaming. */
  readonly sha256: string;
}

export interface PutBackupObject {
  /** The project (tenant) the object belongs to; storages keep projects apart (a container, a prefix). */
  readonly project: string;
  /** The object's name inside the project: `[A-Za-z0-9._-]` segments joined by `/`. */
  readonly key: string;
  /** Aborting stops the upload and removes whatever part of it reached the storage. */
  readonly signal?: AbortSignal;
}

export interface GetBackupObject {
  /**
   * The SHA-256 recorded at put. The stream then fails with BackupChecksumMismatch instead of
   * ending when the bytes differ, so a reader must not trust the data before the stream has ended.
   */
  readonly sha256?: string;
  readonly signal?: AbortSignal;
}

/** One stored object, as list() reports it. */
export interface BackupObjectInfo {
  readonly location: string;
  readonly key: string;
  readonly size: number;
}

/** An opened storage. Every failure is a catalog error naming the storage, never a credential. */
export interface BackupStorage {
  /** The storage's plugin name (`local`, `swift`, `s3`). */
  readonly name: string;
  /**
   * Streams `body` to the storage without staging it on disk (large objects go up in parts),
   * and makes it visible under the key only once it is complete: a failed or aborted put leaves
   * no object and no parts.
   */
  put(body: Readable, target: PutBackupObject): Promise<StoredBackupObject>;
  /** The object's bytes; BackupObjectNotFound when it is gone. */
  get(location: string, options?: GetBackupObject): Promise<Readable>;
  /** Removes the object and its parts; an object already gone is success. */
  delete(location: string, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** The objects of a project whose keys start with `prefix`, by key. */
  list(project: string, prefix?: string): Promise<BackupObjectInfo[]>;
  /**
   * The location a put of this project and key returns (for chains and archives named ahead);
   * asynchronous because a remote storage may learn its URL only when it authenticates.
   */
  locationOf(project: string, key: string): Promise<string>;
  /** Releases connections; the storage is not used afterwards. */
  close(): Promise<void>;
  /**
   * For a storage kept in this machine's file system: the directory holding the project's
   * objects, so a compute driver on this machine can let that project's guests (and no other)
   * reach it. The storage creates what is inside it; remote storages leave this out.
   */
  hostDirectory?(project: string): string;
  /**
   * Removes everything of the project whose key starts with `prefix`, including what an upload
   * cut off by a failure left beside the objects list() shows (Swift segments without their
   * manifest, S3 multipart uploads never completed, temporary files); fails while any of it stays.
   * A storage without it has nothing list() does not show.
   */
  purge?(project: string, prefix: string): Promise<void>;
}

/** The option group of a storage, `[backup_storage_<name>]`, on both sides (see below). */
export interface BackupStorageOptions<O extends Options = Options> {
  readonly name: string;
  /**
   * In cellar.conf: the taskmanager deletes and checks objects. The guest writes and reads them
   * with the same options from cellar-guest.conf, so both sides declare one group.
   */
  readonly server: OptionGroup<'server', O>;
  readonly guest: OptionGroup<'guest', O>;
}

export type BackupStorageValues<O extends Options> = {
  readonly [K in keyof O]: OptionValue<O[K]>;
};

export interface BackupStorageDriver<O extends Options = Options> {
  readonly name: string;
  readonly options: BackupStorageOptions<O>;
  /** Opens the storage from its validated option values; checks nothing remote yet. */
  open(values: BackupStorageValues<O>): Promise<BackupStorage>;
}

const storageName = /^[a-z][a-z0-9_]*$/;

/** `[backup_storage_<name>]`: the section of a storage's options in both configuration files. */
export function backupStorageGroupName(name: string): string {
  return `backup_storage_${name}`;
}

/** The `./options` entry of a storage plugin: importing it loads nothing but @cellar/plugin-api. */
export function defineBackupStorageOptions<const O extends Options>(spec: {
  readonly name: string;
  readonly title?: string;
  readonly options: O;
}): Branded<BackupStorageOptions<O>> {
  if (!storageName.test(spec.name))
    throw new TypeError(`backup storage name '${spec.name}' must match ${String(storageName)}`);
  const name = backupStorageGroupName(spec.name);
  const title = spec.title ?? `Options for the ${spec.name} backup storage`;
  return brand('backup.storage.options', spec.name, {
    name: spec.name,
    server: defineOptionGroup({ name, side: 'server', title, options: spec.options }),
    guest: defineOptionGroup({ name, side: 'guest', title, options: spec.options }),
  });
}

/** The `./storage` entry of a storage plugin. */
export function defineBackupStorage<const O extends Options>(
  driver: BackupStorageDriver<O>,
): Branded<BackupStorageDriver<O>> {
  if (driver.name !== driver.options.name)
    throw new TypeError(
      `backup storage '${driver.name}' was given the options of '${driver.options.name}'`,
    );
  if (typeof driver.open !== 'function')
    throw new TypeError(`backup storage '${driver.name}': open must be a function`);
  return brand('backup.storage', driver.name, driver);
}

/** Where large objects are cut: at least S3's minimum part, so every storage can use one value. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
