// GuestContext.restore: a backup chain read back from the storage, each object checked against
// its recorded SHA-256 and decompressed, handed to the datastore's restore strategy full first. A
// checksum mismatch is the restore's failure, whatever the strategy made of the broken stream.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  BackupChecksumMismatch,
  BackupNotConfigured,
  isCellarError,
  RestoreFailed,
  type BackupInfo,
  type BaseDatastoreManager,
  type GuestLogger,
  type RestorePiece,
} from '@cellar/plugin-api';
import { decompressor } from './compression.js';
import type { GuestStorage } from './objects.js';
import { restoreStrategy, type StrategySource } from './strategies.js';
import { zstdInto } from './zstd-pipe.js';

export interface RestoreDeps {
  readonly strategies: StrategySource;
  readonly storage: GuestStorage | undefined;
  readonly noStorage?: string;
  readonly manager: () => BaseDatastoreManager<unknown>;
  readonly runDir: string;
  readonly zstd: string | undefined;
  readonly log: GuestLogger;
}

/** `info` and its parents, full backup first; each must say where it is and what it should hash to. */
export function chainOf(info: BackupInfo): BackupInfo[] {
  const chain: BackupInfo[] = [];
  const seen = new Set<string>();
  for (let link: BackupInfo | undefined = info; link; link = link.parent) {
    if (seen.has(link.id))
      throw new RestoreFailed({ backup: info.id, reason: `its chain loops at ${link.id}` });
    seen.add(link.id);
    if (link.location === undefined || link.checksum === undefined)
      throw new RestoreFailed({
        backup: info.id,
        reason: `backup ${link.id} of its chain has no stored object or no recorded checksum`,
      });
    chain.unshift(link);
  }
  return chain;
}

function checkStorage(deps: RestoreDeps, chain: readonly BackupInfo[]): GuestStorage {
  const refuse = (reason: string) =>
    new BackupNotConfigured({
      instance: deps.strategies.guestId,
      operation: 'restore backups',
      reason,
    });
  const { storage } = deps;
  if (!storage) throw refuse(deps.noStorage ?? 'it has no backup storage');
  for (const link of chain) {
    if (link.storage !== undefined && link.storage !== storage.storage)
      throw refuse(
        `backup ${link.id} is kept in the ${link.storage} storage, and this guest is given ${storage.storage}`,
      );
  }
  return storage;
}

/** Restores the chain ending at `info`; rejects with the first checksum mismatch seen, if any. */
export async function restoreBackup(deps: RestoreDeps, info: BackupInfo): Promise<void> {
  const chain = chainOf(info);
  const storage = checkStorage(deps, chain);
  const strategy = await restoreStrategy(deps.strategies, info.type);
  const controller = new AbortController();
  let mismatch: Error | undefined;
  const fetch = async (backup: BackupInfo): Promise<Readable> => {
    const stored = await storage.get(backup.location ?? '', {
      sha256: backup.checksum ?? '',
      signal: controller.signal,
    });
    stored.on('error', (error) => {
      if (error instanceof BackupChecksumMismatch) mismatch ??= error;
    });
    return stored;
  };
  const { zstd } = deps;
  const pieces: RestorePiece[] = chain.map((backup) => ({
    backup,
    open: async (): Promise<Readable> => {
      const plain = decompressor(backup.id, backup.compression, zstd);
      const stored = await fetch(backup);
      stored.on('error', (error) => plain.destroy(error));
      plain.on('error', () => stored.destroy());
      return stored.pipe(plain);
    },
    // zstd writes the plain bytes into the strategy's tool itself, sparing the agent a copy.
    ...(backup.compression === 'zstd' && zstd !== undefined
      ? {
          pipeTo: async (stdin: Writable): Promise<void> =>
            zstdInto(zstd, await fetch(backup), stdin, controller.signal),
        }
      : {}),
  }));
  const workDir = join(deps.runDir, 'restores', info.id);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  deps.log.info('restore started', {
    backup: info.id,
    chain: chain.length,
    strategy: strategy.name,
  });
  try {
    await strategy.restore({
      manager: deps.manager(),
      chain: pieces,
      ...(info.restoreTime === undefined ? {} : { restoreTime: info.restoreTime }),
      workDir,
      objects: storage,
      signal: controller.signal,
      log: deps.log,
    });
  } catch (error) {
    throw mismatch ?? (isCellarError(error) ? error : restoreFailure(info.id, error));
  } finally {
    controller.abort();
    await rm(workDir, { recursive: true, force: true });
  }
  if (mismatch) throw mismatch;
  deps.log.info('restore finished', { backup: info.id });
}

const restoreFailure = (backup: string, error: unknown): Error =>
  new RestoreFailed(
    { backup, reason: error instanceof Error ? error.message : String(error) },
    { cause: error },
  );
