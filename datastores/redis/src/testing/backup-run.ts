// Backups and restores for this package's tests, as the guest agent runs them but with a plain
// file for the storage: the strategy's stream written to a file, a restore piece read from one.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  verifySha256,
  type BackupInfo,
  type BackupSource,
  type GuestBackupObjects,
  type Json,
} from '@cellar/plugin-api';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from '../backup.js';
import type { RedisManager } from '../guest.js';
import restoreStrategy from '../restore.js';
import type { RestoreHook } from './live-server.js';

/** The storage, which redis_rdb never uses beyond its one stream. */
export const unusedObjects: GuestBackupObjects = {
  storage: 'none',
  put: () => Promise.reject(new Error('redis_rdb keeps no objects of its own')),
  get: () => Promise.reject(new Error('redis_rdb keeps no objects of its own')),
  list: () => Promise.reject(new Error('redis_rdb keeps no objects of its own')),
  delete: () => Promise.reject(new Error('redis_rdb keeps no objects of its own')),
};

export type Meta = Readonly<Record<string, Json>>;

/** A fresh work directory, removed by the caller. */
export const workDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'crd-bk-'));

/** Starts a backup with redis_rdb: the strategy's source, its stream not yet read. */
export async function startBackup(
  manager: RedisManager,
  info: BackupInfo,
  signal: AbortSignal = new AbortController().signal,
): Promise<BackupSource> {
  const dir = await workDir();
  try {
    return await backupStrategy.backup({
      manager,
      backup: info,
      workDir: dir,
      objects: unusedObjects,
      signal,
      log: quietLog,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A whole backup into `file`: the meta its done resolved. */
export async function backupToFile(manager: RedisManager, id: string, file: string): Promise<Meta> {
  const source = await startBackup(manager, { id, type: 'redis_rdb' });
  await pipeline(source.stream, createWriteStream(file));
  return source.done;
}

/**
 * The context's restore hook, restoring from the files the backups' ids name; a file is checked
 * against the backup's `checksum` when it has one, as the agent checks a stored object.
 */
function opened(file: string, sha256: string | undefined): Readable {
  const stream = createReadStream(file);
  return sha256 === undefined
    ? stream
    : verifySha256(stream, { storage: 'file', object: file, sha256 });
}

export function restoreFromFiles(files: ReadonlyMap<string, string>): RestoreHook {
  return async (info, manager) => {
    const file = files.get(info.id);
    if (file === undefined) throw new Error(`no file for backup ${info.id}`);
    const dir = await workDir();
    try {
      await restoreStrategy.restore({
        manager,
        chain: [{ backup: info, open: () => Promise.resolve(opened(file, info.checksum)) }],
        workDir: dir,
        objects: unusedObjects,
        signal: new AbortController().signal,
        log: quietLog,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
