// Backups taken into files and restored from them, as the guest agent would through a storage
// (without compression): the strategies driven directly, for this package's backup tests.

import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BackupInfo, GuestBackupObjects, RestorePiece } from '@cellar/plugin-api';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from '../backup.js';
import type { MysqlManager } from '../guest.js';
import restoreStrategy from '../restore.js';
import type { RestoreHook } from './live-server.js';

/** The strategies keep nothing beyond their one stream: any use of the storage is a defect. */
export const noObjects: GuestBackupObjects = {
  storage: 'none',
  put: () => Promise.reject(new Error('the strategy used the storage')),
  get: () => Promise.reject(new Error('the strategy used the storage')),
  list: () => Promise.reject(new Error('the strategy used the storage')),
  delete: () => Promise.reject(new Error('the strategy used the storage')),
};

/** A directory for backup files and run directories, removed with dispose. */
export class BackupFiles {
  readonly #files = new Map<string, string>();
  private constructor(readonly dir: string) {}

  static async create(): Promise<BackupFiles> {
    return new BackupFiles(await mkdtemp(join(tmpdir(), 'cmy-backups-')));
  }

  fileOf(id: string): string {
    const file = this.#files.get(id);
    if (file === undefined) throw new Error(`no backup ${id} was taken`);
    return file;
  }

  /** Takes a backup (an incremental on parent when given) into a file; its record, meta included. */
  async take(
    manager: MysqlManager,
    id: string,
    parent?: BackupInfo,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<BackupInfo> {
    const backup: BackupInfo = { id, type: 'mariabackup', ...(parent ? { parent } : {}) };
    const workDir = await mkdtemp(join(this.dir, 'work-'));
    const source = await backupStrategy.backup({
      manager,
      backup,
      workDir,
      objects: noObjects,
      signal,
      log: quietLog,
    });
    const file = join(this.dir, `${id}.mbstream`);
    this.#files.set(id, file);
    // done is awaited either way: a failed backup must not leave it unhandled.
    const streamed = pipeline(source.stream, createWriteStream(file));
    const [written, meta] = await Promise.allSettled([streamed, source.done]);
    if (meta.status === 'rejected') throw meta.reason;
    if (written.status === 'rejected') throw written.reason;
    return { ...backup, meta: meta.value };
  }

  /** A copy of a backup's file cut to its first `bytes`, as a new backup with the same record. */
  async cut(info: BackupInfo, id: string, bytes: number): Promise<BackupInfo> {
    const file = join(this.dir, `${id}.mbstream`);
    await copyFile(this.fileOf(info.id), file);
    await truncate(file, bytes);
    this.#files.set(id, file);
    return { ...info, id };
  }

  /** The chain down from info to its full backup, full first, each read from its file. */
  pieces(info: BackupInfo): RestorePiece[] {
    const chain: RestorePiece[] = [];
    for (let b: BackupInfo | undefined = info; b !== undefined; b = b.parent) {
      const file = this.fileOf(b.id);
      chain.unshift({ backup: b, open: async () => createReadStream(file) });
    }
    return chain;
  }

  /** The guest agent's restore for a manager's context: the restore strategy over the chain. */
  readonly restore: RestoreHook = async (manager, info) => {
    const workDir = await mkdtemp(join(this.dir, 'work-'));
    await restoreStrategy.restore({
      manager,
      chain: this.pieces(info),
      workDir,
      objects: noObjects,
      signal: new AbortController().signal,
      log: quietLog,
    });
  };

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
