// The WAL archive's retention: what goes is older than the oldest kept full backup's start, and
// nothing goes while a full backup does not say where it starts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetainedFullBackup } from '@cellar/plugin-api';
import { walObjectKey } from './wal-objects.js';
import { walRetention } from './wal-retention.js';

const sha = 'a'.repeat(64);
const object = (name: string) => {
  const key = walObjectKey('i1', name, 1_700_000_000_000, sha);
  return { key, location: `loc:${key}`, size: 1 };
};
const archive = [
  '000000010000000000000003',
  '000000010000000000000004',
  '000000010000000000000004.00000028.backup',
  '000000010000000000000005',
  '000000010000000000000006.partial',
  '00000002.history',
  '000000020000000000000006',
].map(object);
const full = (startSegment?: string): RetainedFullBackup => ({
  meta: startSegment === undefined ? {} : { startSegment },
  created: '2026-11-30T00:00:00Z',
});

test('WAL before the start of the oldest kept full backup expires; history files and later WAL stay', () => {
  const expired = walRetention.expired('i1', archive, [
    full('000000010000000000000005'),
    full('000000020000000000000006'),
  ]);
  assert.deepEqual(
    expired.map((l) => l.slice(l.lastIndexOf('/') + 1, l.indexOf('.c'))),
    [
      '000000010000000000000003',
      '000000010000000000000004',
      '000000010000000000000004.00000028.backup',
    ],
  );
  assert.equal(walRetention.prefix('i1'), 'wal/i1/');
});

test('nothing expires while a kept full backup does not say where its WAL starts', () => {
  assert.deepEqual(
    walRetention.expired('i1', archive, [full('000000010000000000000005'), full()]),
    [],
  );
  assert.deepEqual(walRetention.expired('i1', archive, []), []);
});
