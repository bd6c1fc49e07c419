// A tar of archived WAL files (`<name>.gz` each), streamed as it is read: what an incremental
// backup stores. Each file comes from the local archive or, once shipped, from the storage.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { GuestBackupObjects } from '@cellar/plugin-api';
import { archivedPath } from './wal-archive.js';
import type { ArchivedWal } from './wal-objects.js';

/** Where one archived WAL file is read from, and its size (a tar header comes first). */
export interface WalSource {
  readonly name: string;
  readonly size: number;
  open(): Promise<Readable>;
}

/** The file from the local archive when it is there, else from the storage, checked on the way. */
export async function locateWal(
  name: string,
  archiveDir: string,
  shipped: ReadonlyMap<string, ArchivedWal>,
  objects: GuestBackupObjects,
): Promise<WalSource | undefined> {
  const path = archivedPath(archiveDir, name);
  const local = await stat(path).catch(() => undefined);
  if (local !== undefined) {
    return { name, size: local.size, open: async () => createReadStream(path) };
  }
  const object = shipped.get(name);
  if (object === undefined) return undefined;
  return {
    name,
    size: object.size,
    open: () => objects.get(object.location, { sha256: object.sha256 }),
  };
}

function addEntry(pack: tar.Pack, source: WalSource, body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(
      { name: `${source.name}.gz`, size: source.size, mode: 0o600 },
      (error?: Error | null) => (error ? reject(error) : resolve()),
    );
    body.on('error', (error) => {
      entry.destroy(error);
      reject(error);
    });
    body.pipe(entry);
  });
}

/** The tar, and its end: rejected when a file could not be read whole. */
export function walTar(
  sources: readonly WalSource[],
  signal: AbortSignal,
): { readonly stream: Readable; readonly done: Promise<void> } {
  const pack = tar.pack();
  const stream = Readable.from(pack, { objectMode: false });
  const done = (async () => {
    try {
      for (const source of sources) {
        signal.throwIfAborted();
        await addEntry(pack, source, await source.open());
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
      throw error;
    }
  })();
  done.catch(() => undefined);
  return { stream, done };
}
