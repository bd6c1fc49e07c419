// The server half's point-in-time hook as the control plane calls it: the archive's prefix of an
// instance, and the window from what list() answered with the full backups' recorded meta.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import server from './server.js';
import { walObjectKey } from './wal-objects.js';

const INSTANCE = '00000000-0000-4000-8000-000000000002';
const segment = (n: number): string => `0000000100000000${n.toString(16).padStart(8, '0')}`;
const object = (n: number, commit: string) => {
  const key = walObjectKey(
    INSTANCE,
    segment(n),
    Date.parse(commit),
    n.toString(16).padStart(64, '0'),
  );
  return { key, location: `local:p/${key}`, size: 10 };
};

test('the point-in-time hook lists wal/<instance>/ and spans from each full backup with its facts to the last commit before a gap', () => {
  const pitr = server.pointInTime;
  assert.ok(pitr, 'PostgreSQL restores to a point in time');
  assert.equal(pitr.objectPrefix(INSTANCE), `wal/${INSTANCE}/`);
  const objects = [
    object(3, '2026-11-30T10:00:00.000Z'),
    object(4, '2026-11-30T10:05:00.000Z'),
    object(6, '2026-11-30T10:20:00.000Z'),
  ];
  const window = pitr.window(objects, [
    { meta: { stopSegment: segment(3), stopTime: '2026-11-30T09:59:00.000Z' } },
    // A backup whose strategy recorded no stop facts starts no span.
    { meta: { lsn: '0/1' } },
  ]);
  assert.deepEqual(window, {
    spans: [{ earliest: '2026-11-30T09:59:00.000Z', latest: '2026-11-30T10:05:00.000Z' }],
    gaps: [segment(5)],
  });
});
