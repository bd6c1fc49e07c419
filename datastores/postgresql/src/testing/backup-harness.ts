// What the backup tests run the strategies with, as the guest agent would: a backup storage over
// the local storage in a temporary directory, backups written to files, restores read from them.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { LocalBackupStorage } from '@cellar/backup-storage-local/storage';
import type { BackupInfo, GuestBackupObjects, Json, RestorePiece } from '@cellar/plugin-api';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from '../backup.js';
import type { PostgresqlManager } from '../guest.js';
import restoreStrategy from '../restore.js';
import { liveInstance, type ContextExtras, type LiveServer } from './live-server.js';

export interface BackupBench {
  readonly dir: string;
  readonly objects: GuestBackupObjects;
  /** A backup taken with the strategy into a file of the bench; its record as the server keeps it. */
  backup(
    manager: PostgresqlManager,
    parent?: BackupInfo,
    signal?: AbortSignal,
  ): Promise<BackupInfo>;
  /** A full backup whose tool writes into `zstd` (as the agent offers it), kept decompressed. */
  pipedBackup(manager: PostgresqlManager, zstd: string): Promise<BackupInfo>;
  /** The chain up to `top` (its parents first), as a restore reads it. */
  chain(top: BackupInfo): RestorePiece[];
  /** A new instance whose prepare restores `top` (to restoreTime when given). */
  restoredInstance(top: BackupInfo, extras?: ContextExtras): Promise<LiveServer>;
  dispose(): Promise<void>;
}

const execFileAsync = promisify(execFile);

export const SOURCE_ID = '00000000-0000-4000-8000-00000000beef';

export async function backupBench(): Promise<BackupBench> {
  const dir = await mkdtemp(join(tmpdir(), 'cpg-bk-'));
  const storage = new LocalBackupStorage(join(dir, 'storage'), false);
  const project = 'p-test';
  const objects: GuestBackupObjects = {
    storage: 'local',
    put: (key, body, signal) => storage.put(body, { project, key, ...(signal ? { signal } : {}) }),
    get: (location, options) => storage.get(location, options),
    list: (prefix) => storage.list(project, prefix),
    delete: (location) => storage.delete(location),
  };
  const files = new Map<string, string>();
  const chain = (top: BackupInfo): RestorePiece[] => {
    const pieces: RestorePiece[] = [];
    for (let b: BackupInfo | undefined = top; b !== undefined; b = b.parent) {
      const file = files.get(b.id) ?? '';
      pieces.unshift({ backup: b, open: async () => createReadStream(file) });
    }
    return pieces;
  };
  return {
    dir,
    objects,
    chain,
    async backup(manager, parent, signal = new AbortController().signal) {
      const id = randomUUID();
      const workDir = join(dir, `work-${id}`);
      const info: BackupInfo = { id, instanceId: SOURCE_ID, ...(parent ? { parent } : {}) };
      const source = await backupStrategy.backup({
        manager,
        backup: info,
        workDir,
        objects,
        signal,
        log: quietLog,
      });
      const file = join(dir, `${id}.tar`);
      await pipeline(source.stream, createWriteStream(file));
      const meta: Readonly<Record<string, Json>> = await source.done;
      files.set(id, file);
      return { ...info, meta };
    },
    async pipedBackup(manager, zstd) {
      const id = randomUUID();
      const info: BackupInfo = { id, instanceId: SOURCE_ID };
      const child = spawn(zstd, ['-q', '-3', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const compressInto = { stdin: child.stdin, compressed: child.stdout };
      const source = await backupStrategy.backup({
        ...{ manager, backup: info, workDir: join(dir, `work-${id}`), objects },
        ...{ signal: new AbortController().signal, log: quietLog, compressInto },
      });
      child.stdin.destroy();
      assert.equal(source.stream, child.stdout, 'the strategy returns what zstd compressed');
      const packed = join(dir, `${id}.tar.zst`);
      await pipeline(source.stream, createWriteStream(packed));
      const meta: Readonly<Record<string, Json>> = await source.done;
      const file = join(dir, `${id}.tar`);
      await execFileAsync(zstd, ['-q', '-d', packed, '-o', file]);
      files.set(id, file);
      return { ...info, meta };
    },
    async restoredInstance(top, extras = {}) {
      const server: LiveServer = await liveInstance({
        ...extras,
        restore: (info) =>
          restoreStrategy.restore({
            manager: server.manager,
            chain: chain(info),
            ...(info.restoreTime === undefined ? {} : { restoreTime: info.restoreTime }),
            workDir: join(dir, 'restore-work'),
            objects,
            signal: new AbortController().signal,
            log: quietLog,
          }),
      });
      return server;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
