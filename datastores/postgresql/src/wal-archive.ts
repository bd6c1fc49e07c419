// The instance's local WAL archive, <mount>/wal-archive: archive_command gzips every completed
// WAL file into it (a hidden temporary name, then mv, so a reader never sees half a file).
// Incremental backups read it; the WAL shipper empties it into the backup storage when WAL
// archiving is on; otherwise nothing is kept before the first full backup (.archiving marks
// it), and each full backup removes what came before its start.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequest } from '@cellar/plugin-api';
import { isArchivedWal } from './wal-names.js';

/** The include cellar.conf ends with: recovery settings, present only while a restore replays. */
export const RECOVERY_CONF = 'cellar-recovery.conf';

/**
 * archive_command and restore_command are shell commands with the directory written in: keep
 * to characters no shell reads specially rather than quote.
 */
export function shellSafePath(path: string): string {
  if (!/^\/[A-Za-z0-9_/.+-]*$/.test(path))
    throw new BadRequest({
      reason: `The path ${path} must be absolute and made of letters, digits and _ / . + - only, for the WAL archive's commands.`,
    });
  return path;
}

/** Left in the archive by the first full backup: from then on incrementals need the WAL. */
export const ARCHIVING_MARKER = '.archiving';

/**
 * Every completed WAL file, gzipped (-n: no name or time in it, so a file always zips the same).
 * Unless `always`, files are only kept once a full backup left its marker: before, no
 * incremental could use them and they would pile up on an instance never backed up.
 */
export function archiveCommand(archiveDir: string, always: boolean): string {
  const dir = shellSafePath(archiveDir);
  const copy = `gzip -1 -n -c %p > ${dir}/.%f.gz.tmp && mv -f ${dir}/.%f.gz.tmp ${dir}/%f.gz`;
  return always ? copy : `test -f ${dir}/${ARCHIVING_MARKER} || exit 0; ${copy}`;
}

/** Reads back what archiveCommand wrote, from wherever a restore laid the files. */
export function restoreCommand(walDir: string): string {
  const dir = shellSafePath(walDir);
  return `test -f ${dir}/%f.gz && gzip -d -c ${dir}/%f.gz > %p`;
}

export interface WalSettings {
  readonly archiveDir: string;
  /** Whether every file is archived (WAL archiving to the storage), or only after a full backup. */
  readonly always: boolean;
  /** Seconds after which a quiet server closes its segment anyway; 0 leaves segments to fill. */
  readonly archiveTimeoutS: number;
}

/**
 * The WAL lines of cellar.conf. Archiving is always on (turning it on later needs a restart),
 * so that an incremental backup finds the WAL since its parent.
 */
export function walSettingLines(
  s: WalSettings,
  quote: (value: string) => string,
): readonly string[] {
  return [
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = ${quote(archiveCommand(s.archiveDir, s.always))}`,
    `archive_timeout = ${s.archiveTimeoutS}`,
    // Present only while a restored data directory replays its WAL.
    `include_if_exists = ${quote(RECOVERY_CONF)}`,
  ];
}

/** The WAL file an archive entry holds (`<name>.gz`), or undefined for anything else. */
export function walNameOf(entry: string): string | undefined {
  if (!entry.endsWith('.gz')) return undefined;
  const name = entry.slice(0, -3);
  return isArchivedWal(name) ? name : undefined;
}

/** The archived WAL files, by name. */
export async function localArchive(archiveDir: string): Promise<string[]> {
  const entries = await readdir(archiveDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return entries.flatMap((entry) => walNameOf(entry) ?? []).sort();
}

export const archivedPath = (archiveDir: string, name: string): string =>
  join(archiveDir, `${name}.gz`);

/**
 * Removes the archived WAL a full backup made unneeded: every segment (and its .backup and
 * .partial files) before `segment` on any timeline. Timeline .history files are kept.
 */
export async function pruneArchive(archiveDir: string, segment: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await localArchive(archiveDir)) {
    if (name.endsWith('.history') || name.slice(0, 24) >= segment) continue;
    await rm(archivedPath(archiveDir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
