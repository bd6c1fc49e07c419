// An incremental backup: the WAL archived since its parent. The server closes its current segment
// (pg_switch_wal), the guest waits until it is archived, and streams a tar of every segment from
// the parent's next one through that one; a segment missing in between fails the backup by name.

import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupRun, BackupSource, Json } from '@cellar/plugin-api';
import { walSegmentSize, type PgBackupHost } from './backup-host.js';
import type { PostgresqlManager } from './guest.js';
import { archivedPath } from './wal-archive.js';
import { nextSegment, segmentRange } from './wal-names.js';
import { archivedWal, walPrefix, type ArchivedWal } from './wal-objects.js';
import { locateWal, walTar, type WalSource } from './wal-tar.js';

/** How long the server may take to archive the segment it just closed. */
const ARCHIVE_WAIT_MS = 5 * 60_000;
/** Each look may list the storage (shipped WAL): not too often. */
const POLL_MS = 250;

interface ParentFacts {
  readonly nextSegment: string;
  readonly stopLsn: string;
}

function parentFacts(run: BackupRun<PostgresqlManager>): ParentFacts {
  const meta = run.backup.parent?.meta as { nextSegment?: unknown; stopLsn?: unknown } | undefined;
  if (typeof meta?.nextSegment !== 'string' || typeof meta.stopLsn !== 'string')
    throw new Error(
      `the parent backup ${run.backup.parent?.id ?? '(none)'} has no WAL position recorded: take a full backup`,
    );
  return { nextSegment: meta.nextSegment, stopLsn: meta.stopLsn };
}

/** What the storage holds of this instance's WAL, when it is shipped there. */
async function shippedWal(
  run: BackupRun<PostgresqlManager>,
  host: PgBackupHost,
): Promise<Map<string, ArchivedWal>> {
  if (host.shipper === undefined) return new Map();
  return archivedWal(await run.objects.list(walPrefix(host.instanceId)));
}

/** Waits until `segment` is archived (locally or shipped), or says why it is not. */
async function waitArchived(
  run: BackupRun<PostgresqlManager>,
  host: PgBackupHost,
  segment: string,
): Promise<void> {
  const deadline = Date.now() + ARCHIVE_WAIT_MS;
  for (;;) {
    run.signal.throwIfAborted();
    const local = await access(archivedPath(host.files.archiveDir, segment)).then(
      () => true,
      () => false,
    );
    if (local || (await shippedWal(run, host)).has(segment)) return;
    if (Date.now() > deadline) {
      const { rows } = await host.sql.query<{ failed: string | null; count: string }>(
        'SELECT last_failed_wal AS failed, failed_count::text AS count FROM pg_stat_archiver',
      );
      throw new Error(
        `WAL segment ${segment} was not archived within ${ARCHIVE_WAIT_MS / 1000} s (archive failures: ${rows[0]?.count ?? '?'}, last failed: ${rows[0]?.failed ?? 'none'}); see the PostgreSQL log`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Every segment of the range, found; a missing one fails the backup with its name. */
async function locateAll(
  run: BackupRun<PostgresqlManager>,
  host: PgBackupHost,
  segments: readonly string[],
): Promise<WalSource[]> {
  const shipped = await shippedWal(run, host);
  const found: WalSource[] = [];
  const missing: string[] = [];
  for (const name of segments) {
    const source = await locateWal(name, host.files.archiveDir, shipped, run.objects);
    if (source === undefined) missing.push(name);
    else found.push(source);
  }
  if (missing.length > 0)
    throw new Error(
      `the WAL archive has a gap: segment${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing, so this incremental cannot follow its parent; take a full backup`,
    );
  return found;
}

export async function incrementalBackup(
  run: BackupRun<PostgresqlManager>,
  host: PgBackupHost,
): Promise<BackupSource> {
  const parent = parentFacts(run);
  const segmentSize = await walSegmentSize(host.sql);
  const { rows } = await host.sql.query<{ lsn: string; file: string }>(
    'SELECT lsn::text AS lsn, pg_walfile_name(lsn) AS file FROM pg_switch_wal() AS lsn',
  );
  const stopLsn = rows[0]?.lsn ?? '';
  const last = rows[0]?.file ?? '';
  if (last.slice(0, 8) !== parent.nextSegment.slice(0, 8))
    throw new Error(
      `the server is on another timeline than the parent backup (${last} after ${parent.nextSegment}): take a full backup`,
    );
  const segments =
    last < parent.nextSegment ? [] : segmentRange(parent.nextSegment, last, segmentSize);
  if (segments.length > 0) await waitArchived(run, host, last);
  // The shipper keeps local copies while they are read; a round under way finishes first.
  const release = host.shipper?.hold() ?? (() => undefined);
  try {
    await host.shipper?.shipNow();
    const tar = walTar(await locateAll(run, host, segments), run.signal);
    const meta: Record<string, Json> = {
      kind: 'incremental',
      timeline: Number.parseInt(last.slice(0, 8), 16),
      startLsn: parent.stopLsn,
      stopLsn,
      startSegment: segments[0] ?? parent.nextSegment,
      stopSegment: segments.at(-1) ?? parent.nextSegment,
      nextSegment: segments.length > 0 ? nextSegment(last, segmentSize) : parent.nextSegment,
      segments,
      stopTime: new Date().toISOString(),
      segmentSize,
    };
    const done = tar.done.then(() => meta).finally(release);
    done.catch(() => undefined);
    return { stream: tar.stream, done };
  } catch (error) {
    release();
    throw error;
  }
}
