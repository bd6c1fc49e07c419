import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SEGMENT_SIZE as SIZE,
  isArchivedWal,
  nextSegment,
  parseLsn,
  segmentEndingAt,
  segmentOf,
  segmentRange,
} from './wal-names.js';

test('an LSN names the segment pg_walfile_name would', () => {
  assert.equal(segmentOf(1, parseLsn('0/2000028'), SIZE), '000000010000000000000002');
  assert.equal(segmentOf(3, parseLsn('16/B374D848'), SIZE), '0000000300000016000000B3');
});

test('an end position on a segment boundary belongs to the segment before it', () => {
  assert.equal(segmentEndingAt(1, parseLsn('0/3000000'), SIZE), '000000010000000000000002');
  assert.equal(segmentEndingAt(1, parseLsn('0/3000001'), SIZE), '000000010000000000000003');
});

test('the segment after the last of a 4 GB WAL id carries into the next id', () => {
  assert.equal(nextSegment('0000000100000000000000FF', SIZE), '000000010000000100000000');
  assert.deepEqual(segmentRange('0000000100000000000000FE', '000000010000000100000001', SIZE), [
    '0000000100000000000000FE',
    '0000000100000000000000FF',
    '000000010000000100000000',
    '000000010000000100000001',
  ]);
});

test('a range across timelines is refused', () => {
  assert.throws(
    () => segmentRange('000000010000000000000001', '000000020000000000000003', SIZE),
    /different timelines/,
  );
});

test('archived WAL files are told from anything else in the archive', () => {
  for (const name of [
    '000000010000000000000003',
    '000000010000000000000003.00000028.backup',
    '000000010000000000000004.partial',
    '00000002.history',
  ])
    assert.equal(isArchivedWal(name), true, name);
  for (const name of ['000000010000000000000003.gz.tmp', 'x', '../000000010000000000000003'])
    assert.equal(isArchivedWal(name), false, name);
});
