import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastCommitIn } from './wal-commits.js';

test('the last commit of a segment is read from pg_waldump, microseconds cut to milliseconds', () => {
  const dump = [
    'rmgr: Transaction len (rec/tot):     34/    34, tx:        745, lsn: 0/06000100, prev 0/060000C8, desc: COMMIT 2026-11-30 13:48:42.160858 UTC',
    'rmgr: Heap        len (rec/tot):     54/   150, tx:        746, lsn: 0/06000128, prev 0/06000100, desc: INSERT off 2',
    'rmgr: Transaction len (rec/tot):     34/    34, tx:        746, lsn: 0/06000200, prev 0/06000128, desc: ABORT 2026-11-30 13:48:43 UTC',
    'rmgr: Transaction len (rec/tot):     34/    34, tx:        744, lsn: 0/06000000, prev 0/05FFFFC8, desc: COMMIT 2026-11-30 13:48:41.9 UTC',
  ].join('\n');
  assert.equal(lastCommitIn(dump), Date.parse('2026-11-30T13:48:43.000Z'));
  assert.equal(lastCommitIn(dump.split('\n')[0] ?? ''), Date.parse('2026-11-30T13:48:42.160Z'));
  assert.equal(lastCommitIn('rmgr: XLOG desc: SWITCH'), undefined);
});
