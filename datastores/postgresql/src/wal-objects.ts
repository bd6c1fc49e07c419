// The WAL archive in the backup storage, as the guest ships it and the server reads it: one
// object per archived file, its key saying which file, its last commit's time and its SHA-256.
//
//   wal/<instance id>/<file>.c<last commit, ms since 1970 | ->.<sha256 of the object>.gz
//
// <file> is the name archive_command was given (a 24-digit segment, a .partial, .backup or
// .history file); the object is that file gzipped. The key alone, as list() answers it, tells
// the server the recoverable window and the gaps, and a reader the digest to verify.

import type { BackupObjectInfo } from '@cellar/plugin-api';
import { DEFAULT_SEGMENT_SIZE, isSegment, nextSegment, parseSegment } from './wal-names.js';

/** One archived WAL file in the storage. */
export interface ArchivedWal {
  readonly name: string;
  /** The time of the last commit (or abort) in it, in ms; undefined when it holds none. */
  readonly lastCommitMs: number | undefined;
  readonly sha256: string;
  readonly location: string;
  /** Bytes stored: the gzipped file. */
  readonly size: number;
}

const OBJECT = /^(.+)\.c(\d+|-)\.([0-9a-f]{64})\.gz$/;

export const walPrefix = (instanceId: string): string => `wal/${instanceId}/`;

export function walObjectKey(
  instanceId: string,
  name: string,
  lastCommitMs: number | undefined,
  sha256: string,
): string {
  return `${walPrefix(instanceId)}${name}.c${lastCommitMs ?? '-'}.${sha256}.gz`;
}

/** The archived files among listed objects (of one instance's prefix), by name. */
export function archivedWal(objects: readonly BackupObjectInfo[]): Map<string, ArchivedWal> {
  const found = new Map<string, ArchivedWal>();
  for (const object of objects) {
    const base = object.key.slice(object.key.lastIndexOf('/') + 1);
    const match = OBJECT.exec(base);
    if (match === null) continue;
    const [, name = '', commit = '-', sha256 = ''] = match;
    found.set(name, {
      name,
      lastCommitMs: commit === '-' ? undefined : Number(commit),
      sha256,
      location: object.location,
      size: object.size,
    });
  }
  return found;
}

/** The segments missing between the first and the last archived one of each timeline. */
export function walGaps(archived: ReadonlyMap<string, ArchivedWal>): string[] {
  const segments = [...archived.keys()].filter(isSegment).sort();
  const gaps: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1] ?? '';
    const current = segments[i] ?? '';
    if (previous.slice(0, 8) !== current.slice(0, 8)) continue;
    for (let name = nextSegment(previous, DEFAULT_SEGMENT_SIZE); name < current;) {
      gaps.push(name);
      name = nextSegment(name, DEFAULT_SEGMENT_SIZE);
    }
  }
  return gaps;
}

/** What a full backup's strategy recorded that point-in-time recovery starts from. */
export interface FullBackupFacts {
  /** The first segment whose WAL the backup does not hold entirely (its stop segment). */
  readonly stopSegment: string;
  /** When the backup was consistent: no earlier moment can be recovered from it. */
  readonly stopTime: string;
}

/** The WAL objects to replay from a full backup up to a target, or why it cannot be reached. */
export interface WalSelection {
  readonly objects: readonly ArchivedWal[];
  /** The span this full backup and the archive can recover to, as ISO-8601 times. */
  readonly window: { readonly earliest: string; readonly latest: string | undefined };
  /** Why the target cannot be reached; undefined when it can. */
  readonly refusal?: string;
}

/**
 * The archived files a restore to `targetMs` needs after `full`: its timeline's history file,
 * then every segment from the backup's stop segment through the first one with a commit at or
 * after the target (recovery stops at that commit). A missing segment before that is a gap.
 */
export function selectWal(
  archived: ReadonlyMap<string, ArchivedWal>,
  full: FullBackupFacts,
  targetMs: number,
): WalSelection {
  const timeline = full.stopSegment.slice(0, 8);
  const history = archived.get(`${timeline}.history`);
  const objects: ArchivedWal[] = history === undefined ? [] : [history];
  const last = [...archived.keys()].filter((n) => isSegment(n) && n.startsWith(timeline)).sort();
  const lastName = last.at(-1) ?? '';
  let latestMs: number | undefined;
  let gap: string | undefined;
  let reached = false;
  for (
    let name = full.stopSegment;
    name <= lastName;
    name = nextSegment(name, DEFAULT_SEGMENT_SIZE)
  ) {
    const found = archived.get(name);
    if (found === undefined) {
      gap = name;
      break;
    }
    if (!reached) objects.push(found);
    if (found.lastCommitMs !== undefined)
      latestMs = Math.max(latestMs ?? found.lastCommitMs, found.lastCommitMs);
    if (found.lastCommitMs !== undefined && found.lastCommitMs >= targetMs) reached = true;
  }
  const window = {
    earliest: full.stopTime,
    latest: latestMs === undefined ? undefined : new Date(latestMs).toISOString(),
  };
  const says = `the recoverable window from this backup is ${window.earliest} to ${window.latest ?? window.earliest}`;
  if (targetMs < Date.parse(full.stopTime))
    return { objects, window, refusal: `the time is before the backup was consistent: ${says}` };
  if (!reached)
    return {
      objects,
      window,
      refusal:
        gap === undefined
          ? `no WAL archived after the backup has a commit at or after the time: ${says}`
          : `WAL segment ${gap} is missing from the archive (a gap): ${says}`,
    };
  return { objects, window };
}

/** One span of time an instance can be restored to. */
export interface RecoverableSpan {
  readonly earliest: string;
  readonly latest: string;
}

/**
 * An instance's recoverable window, for the server to show: from each kept full backup of the
 * instance (its `meta`), as far as the archive reaches without a gap; overlapping spans merged.
 * `objects` is `list('wal/<instance id>/')` of the backup storage.
 */
export function recoverableWindow(
  objects: readonly BackupObjectInfo[],
  fulls: readonly FullBackupFacts[],
): { readonly spans: RecoverableSpan[]; readonly gaps: string[] } {
  const archived = archivedWal(objects);
  const spans: RecoverableSpan[] = [];
  for (const full of fulls) {
    if (parseSegment(full.stopSegment, DEFAULT_SEGMENT_SIZE) === undefined) continue;
    const { window } = selectWal(archived, full, Number.POSITIVE_INFINITY);
    if (window.latest !== undefined && window.latest >= window.earliest)
      spans.push({ earliest: window.earliest, latest: window.latest });
  }
  spans.sort((a, b) => a.earliest.localeCompare(b.earliest));
  const merged: RecoverableSpan[] = [];
  for (const span of spans) {
    const previous = merged.at(-1);
    if (previous !== undefined && span.earliest <= previous.latest)
      merged[merged.length - 1] = {
        earliest: previous.earliest,
        latest: span.latest > previous.latest ? span.latest : previous.latest,
      };
    else merged.push(span);
  }
  return { spans: merged, gaps: walGaps(archived) };
}

/** The facts recoverableWindow needs from a full backup's `meta`, when it has them. */
export function fullBackupFacts(meta: unknown): FullBackupFacts | undefined {
  const m = meta as { stopSegment?: unknown; stopTime?: unknown } | null | undefined;
  return typeof m?.stopSegment === 'string' && typeof m.stopTime === 'string'
    ? { stopSegment: m.stopSegment, stopTime: m.stopTime }
    : undefined;
}
