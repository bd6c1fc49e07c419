// With wal_archiving on, the guest ships every WAL file archive_command left in the local archive
// to the backup storage (wal-objects.ts names the objects), then removes the local copy; a segment
// missing from the sequence is a gap, logged loudly and kept in the status the manager answers.

import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { GuestBackupObjects, GuestLogger } from '@cellar/plugin-api';
import { message } from './admin-session.js';
import { archivedPath, localArchive } from './wal-archive.js';
import { lastCommitOf } from './wal-commits.js';
import { DEFAULT_SEGMENT_SIZE, isSegment, nextSegment, segmentRange } from './wal-names.js';
import { archivedWal, walObjectKey, walPrefix } from './wal-objects.js';

/** How often the local archive is looked at: the archive lags the server this much more. */
export const SHIP_INTERVAL_MS = 5_000;

export interface WalShipperOptions {
  readonly instanceId: string;
  readonly archiveDir: string;
  /** For pg_waldump's copy of a segment while its last commit is read. */
  readonly workDir: string;
  readonly objects: GuestBackupObjects;
  readonly binDir: () => string;
  readonly log: GuestLogger;
}

/** What the shipper has done, for the manager to answer. */
export interface WalShippingStatus {
  readonly lastShipped?: string;
  readonly lastShippedAt?: string;
  /** Segments that never reached the storage: WAL from there on cannot be replayed past them. */
  readonly gaps: readonly string[];
  readonly lastError?: string;
}

export class WalShipper {
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #holds = 0;
  /** Shipped by this shipper but kept locally while held: not put again. */
  readonly #shipped = new Set<string>();
  /** The newest segment shipped, per timeline (its first 8 digits). */
  #newest: Map<string, string> | undefined;
  #status: { lastShipped?: string; lastShippedAt?: string; gaps: string[]; lastError?: string } = {
    gaps: [],
  };

  constructor(private readonly options: WalShipperOptions) {}

  start(intervalMs = SHIP_INTERVAL_MS): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.shipNow(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  status(): WalShippingStatus {
    return { ...this.#status, gaps: [...this.#status.gaps] };
  }

  /** Keeps local copies (still shipping them) until the returned release: a backup reads them. */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (!released) this.#holds--;
      released = true;
    };
  }

  /** One round now, or the one under way: what the archive holds is shipped when it resolves. */
  shipNow(): Promise<void> {
    this.#round ??= this.#ship().finally(() => (this.#round = undefined));
    return this.#round;
  }

  async #ship(): Promise<void> {
    try {
      const newest = await this.#newestShipped();
      for (const name of await localArchive(this.options.archiveDir)) {
        if (this.#shipped.has(name)) {
          await this.#release(name);
          continue;
        }
        if (isSegment(name)) this.#checkSequence(newest, name);
        await this.#shipOne(name);
        if (isSegment(name) && name > (newest.get(name.slice(0, 8)) ?? ''))
          newest.set(name.slice(0, 8), name);
      }
      this.#status.lastError = undefined;
    } catch (error) {
      this.#status.lastError = message(error);
      this.options.log.warn('WAL archive shipping failed; trying again shortly', {
        error: message(error),
      });
    }
  }

  /** What the storage holds already, read once: the sequence goes on from there. */
  async #newestShipped(): Promise<Map<string, string>> {
    if (this.#newest !== undefined) return this.#newest;
    const { objects, instanceId } = this.options;
    const newest = new Map<string, string>();
    for (const name of archivedWal(await objects.list(walPrefix(instanceId))).keys())
      if (isSegment(name) && name > (newest.get(name.slice(0, 8)) ?? ''))
        newest.set(name.slice(0, 8), name);
    this.#newest = newest;
    return newest;
  }

  #checkSequence(newest: ReadonlyMap<string, string>, name: string): void {
    const previous = newest.get(name.slice(0, 8));
    if (previous === undefined || name <= previous) return;
    const expected = nextSegment(previous, DEFAULT_SEGMENT_SIZE);
    if (name === expected) return;
    const missing = segmentRange(expected, name, DEFAULT_SEGMENT_SIZE).slice(0, -1);
    this.#status.gaps.push(...missing);
    this.options.log.error(
      'WAL ARCHIVE GAP: segments are missing from the archive; point-in-time recovery cannot replay past them until a new full backup is taken',
      { instance: this.options.instanceId, missing, after: previous, next: name },
    );
  }

  /** Only a confirmed put lets the local copy go; a backup reading the archive keeps it longer. */
  async #release(name: string): Promise<void> {
    if (this.#holds > 0) return;
    await rm(archivedPath(this.options.archiveDir, name), { force: true });
    this.#shipped.delete(name);
  }

  async #shipOne(name: string): Promise<void> {
    const { archiveDir, objects, instanceId, binDir, workDir } = this.options;
    const path = archivedPath(archiveDir, name);
    const body = await readFile(path);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const commit = isSegment(name) ? await lastCommitOf(binDir(), workDir, name, body) : undefined;
    const stored = await objects.put(
      walObjectKey(instanceId, name, commit, sha256),
      Readable.from([body]),
    );
    if (stored.sha256 !== sha256 || stored.size !== body.length)
      throw new Error(
        `the storage kept ${stored.size} bytes with SHA-256 ${stored.sha256} of ${name}, not ${body.length} with ${sha256}`,
      );
    this.#shipped.add(name);
    await this.#release(name);
    this.#status.lastShipped = name;
    this.#status.lastShippedAt = new Date().toISOString();
  }
}
