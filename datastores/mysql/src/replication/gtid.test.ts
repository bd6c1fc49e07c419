// GTID lists as the guest reads them: parsed and written back, the backup's recorded position,
// the progress number heartbeats compare, and which of a server's transactions a source lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGtids, missingFrom, parseBinlogInfo, parseGtids, progressOf } from './gtid.js';

test('a GTID list is read and written back as the server writes it', () => {
  const list = parseGtids('0-1-42,1-7-3');
  assert.deepEqual(list, [
    { domain: 0, server: 1, sequence: 42 },
    { domain: 1, server: 7, sequence: 3 },
  ]);
  assert.equal(formatGtids(list), '0-1-42,1-7-3');
  assert.deepEqual(parseGtids(''), []);
  assert.throws(() => parseGtids('0-1'), /'0-1' is not a GTID \(domain-server-sequence/);
});

test("progress is the domains' sequence numbers: it grows along a history whoever wrote", () => {
  assert.equal(progressOf(parseGtids('0-1-42')), 42);
  assert.ok(progressOf(parseGtids('0-2-43')) > progressOf(parseGtids('0-1-42')));
  assert.equal(progressOf([]), 0);
});

test("the backup's binlog info gives its GTID position, empty before any transaction", () => {
  assert.equal(parseBinlogInfo('mysql-bin.000001\t1240\t0-7-5\n'), '0-7-5');
  assert.equal(parseBinlogInfo('mysql-bin.000002\t1240\t0-7-5,1-3-9\n'), '0-7-5,1-3-9');
  assert.equal(parseBinlogInfo('mysql-bin.000001\t328\n'), '');
  assert.throws(() => parseBinlogInfo('\n'), /recorded no binary log position/);
});

test('a former source with a write its replica never got is found out; a caught-up one is not', () => {
  // The new source logged the old one's transactions up to 100, then its own.
  const theirs = parseGtids('0-1-100,0-2-110');
  assert.deepEqual(missingFrom(parseGtids('0-1-100'), theirs, []), []);
  assert.deepEqual(missingFrom(parseGtids('0-1-99'), theirs, []), []);
  assert.deepEqual(missingFrom(parseGtids('0-1-105'), theirs, []), [
    { domain: 0, server: 1, sequence: 105 },
  ]);
  // Applied from a backup's position without being logged again counts as had.
  assert.deepEqual(missingFrom(parseGtids('0-1-100'), [], parseGtids('0-1-100')), []);
  assert.equal(missingFrom(parseGtids('1-1-3'), theirs, []).length, 1, 'a domain it never saw');
});
