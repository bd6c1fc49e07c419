// A full backup: pg_basebackup's tar of the data directory, the WAL it needs inside (-X fetch, so
// it does not depend on the archive working), streamed to the agent as the server's OS user.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BackupRun, BackupSource, Json } from '@cellar/plugin-api';
import { writeOwned } from '@cellar/plugin-api/processes';
import { message } from './admin-session.js';
import { walSegmentSize, type PgBackupHost } from './backup-host.js';
import { ADMIN_USER } from './config.js';
import type { PostgresqlManager } from './guest.js';
import { pipeTool, streamTool } from './tool-process.js';
import { ARCHIVING_MARKER, pruneArchive } from './wal-archive.js';
import { parseLsn, segmentEndingAt, segmentOf } from './wal-names.js';

/** What a full backup's meta holds: its WAL range, and when it became consistent. */
export interface FullBackupMeta {
  readonly kind: 'full';
  readonly timeline: number;
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly startSegment: string;
  readonly stopSegment: string;
  /** The first segment an incremental on this backup begins with. */
  readonly nextSegment: string;
  /** When pg_basebackup ended: the backup is consistent by then; no earlier time can be restored. */
  readonly stopTime: string;
  readonly segmentSize: number;
  readonly [key: string]: Json;
}

/** The WAL range pg_basebackup --verbose reports on stderr. */
export function fullBackupMeta(
  stderr: readonly string[],
  segmentSize: number,
  stopTime: Date,
): FullBackupMeta {
  const text = stderr.join('\n');
  const start = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/i.exec(text);
  const stop = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/i.exec(text);
  if (start?.[1] === undefined || stop?.[1] === undefined)
    throw new Error(`pg_basebackup did not report its WAL range: ${stderr.at(-1) ?? ''}`);
  const timeline = Number(start[2]);
  const stopSegment = segmentEndingAt(timeline, parseLsn(stop[1]), segmentSize);
  return {
    kind: 'full',
    timeline,
    startLsn: start[1],
    stopLsn: stop[1],
    startSegment: segmentOf(timeline, parseLsn(start[1]), segmentSize),
    stopSegment,
    nextSegment: stopSegment,
    stopTime: stopTime.toISOString(),
    segmentSize,
  };
}

/**
 * Keeps the WAL from now on until released: -X fetch collects the backup's WAL at its end, and a
 * busy server could otherwise have recycled it by then. The slot is temporary, so it goes with its
 * session even when the guest dies mid-backup, and holds no WAL back forever.
 */
async function reserveWal(host: PgBackupHost): Promise<() => Promise<void>> {
  const session = await host.sql.openSession('postgres');
  try {
    const slot = `cellar_backup_${randomBytes(6).toString('hex')}`;
    await session.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]);
  } catch (error) {
    await session.end().catch(() => undefined);
    throw error;
  }
  return () => session.end().catch(() => undefined);
}

/** pg_basebackup over the admin role's replication connection on the private socket. */
export async function fullBackup(
  run: BackupRun<PostgresqlManager>,
  host: PgBackupHost,
): Promise<BackupSource> {
  const { files } = host;
  const segmentSize = await walSegmentSize(host.sql);
  const spawning = await files.spawning();
  // Before the backup starts, so that the WAL after it (its stop segment on) is kept for its
  // incrementals; a failed backup leaves it, and the next full prunes what piled up meanwhile.
  await writeOwned(join(files.archiveDir, ARCHIVING_MARKER), `${run.backup.id}\n`, spawning.user);
  const release = await reserveWal(host);
  const program = join(files.binDir(), 'pg_basebackup');
  const args = [
    ...['-h', host.socketDir, '-p', String(host.port), '-U', ADMIN_USER, '-w'],
    ...['-D', '-', '-Ft', '-X', 'fetch', '-c', 'fast', '--verbose'],
    ...['-l', `cellar backup ${run.backup.id}`],
  ];
  // With zstd offered, the tar goes straight into it: the agent never copies the raw bytes.
  const into = run.compressInto;
  const tool =
    into === undefined
      ? streamTool(program, args, spawning, run.signal)
      : { ...pipeTool(program, args, spawning, into.stdin, run.signal), stream: into.compressed };
  const done = tool.done.finally(release).then(async (stderr) => {
    const meta = fullBackupMeta(stderr, segmentSize, new Date());
    // Without shipping, the local archive only serves incrementals: none will need WAL older
    // than the newest full backup's start.
    if (host.shipper === undefined && files.cleanWalArchives) {
      const removed = await pruneArchive(files.archiveDir, meta.startSegment).catch(
        (error: unknown) => {
          run.log.warn('the WAL archive could not be pruned', { error: message(error) });
          return [];
        },
      );
      if (removed.length > 0) run.log.info('pruned the WAL archive', { removed: removed.length });
    }
    return meta;
  });
  done.catch(() => undefined);
  return { stream: tool.stream, done };
}
