import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupObjectInfo } from '@cellar/plugin-api';
import { archivedWal, recoverableWindow, selectWal, walGaps, walObjectKey } from './wal-objects.js';

const INSTANCE = '00000000-0000-4000-8000-000000000001';
const sha = (n: number): string => n.toString(16).padStart(64, '0');
const at = (iso: string): number => Date.parse(iso);
const segment = (n: number, timeline = 1): string =>
  `${timeline.toString(16).padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`;

/** Objects as list() answers them: segment n with its last commit at `commits[n]`. */
function listed(commits: Readonly<Record<number, string | undefined>>): BackupObjectInfo[] {
  return Object.entries(commits).map(([n, commit]) => {
    const key = walObjectKey(
      INSTANCE,
      segment(Number(n)),
      commit === undefined ? undefined : at(commit),
      sha(Number(n)),
    );
    return { key, location: `local:p/${key}`, size: 100 };
  });
}

const full = { stopSegment: segment(3), stopTime: '2026-11-30T10:00:00.000Z' };
const archive = listed({
  2: '2026-11-30T09:59:00.000Z',
  3: '2026-11-30T10:00:00.000Z',
  4: undefined,
  5: '2026-11-30T10:05:00.000Z',
  6: '2026-11-30T10:10:00.000Z',
});

test('an object key carries the file, its last commit and its digest, and is read back', () => {
  const [object] = listed({ 7: '2026-11-30T10:00:00.123Z' });
  const wal = archivedWal(object ? [object] : []).get(segment(7));
  assert.deepEqual(wal, {
    name: segment(7),
    lastCommitMs: at('2026-11-30T10:00:00.123Z'),
    sha256: sha(7),
    location: object?.location,
    size: 100,
  });
});

test('a restore to a time takes the segments through the first commit at or after it', () => {
  const selection = selectWal(archivedWal(archive), full, at('2026-11-30T10:04:00Z'));
  assert.equal(selection.refusal, undefined);
  assert.deepEqual(
    selection.objects.map((o) => o.name),
    [segment(3), segment(4), segment(5)],
  );
  assert.deepEqual(selection.window, {
    earliest: full.stopTime,
    latest: '2026-11-30T10:10:00.000Z',
  });
});

test('a time before the backup was consistent, or after the last commit, is refused with the window', () => {
  const early = selectWal(archivedWal(archive), full, at('2026-11-30T09:59:30Z'));
  assert.match(
    early.refusal ?? '',
    /before the backup was consistent.*2026-11-30T10:00:00.000Z to 2026-11-30T10:10:00.000Z/,
  );
  const late = selectWal(archivedWal(archive), full, at('2026-11-30T10:11:00Z'));
  assert.match(
    late.refusal ?? '',
    /no WAL archived after the backup has a commit at or after the time/,
  );
});

test('a gap in the archive is named, and the window ends before it', () => {
  const gapped = archive.filter((o) => !o.key.includes(segment(5)));
  assert.deepEqual(walGaps(archivedWal(gapped)), [segment(5)]);
  const selection = selectWal(archivedWal(gapped), full, at('2026-11-30T10:08:00Z'));
  assert.match(selection.refusal ?? '', new RegExp(`segment ${segment(5)} is missing`));
  const window = recoverableWindow(gapped, [full]);
  assert.deepEqual(window, {
    spans: [{ earliest: full.stopTime, latest: '2026-11-30T10:00:00.000Z' }],
    gaps: [segment(5)],
  });
});

test('the recoverable window merges the spans of several full backups', () => {
  const later = { stopSegment: segment(5), stopTime: '2026-11-30T10:04:00.000Z' };
  assert.deepEqual(recoverableWindow(archive, [later, full]).spans, [
    { earliest: full.stopTime, latest: '2026-11-30T10:10:00.000Z' },
  ]);
  assert.deepEqual(recoverableWindow(listed({ 1: undefined }), [full]).spans, []);
});
