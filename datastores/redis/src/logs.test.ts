import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newEntries, slowEntries, slowLine } from './logs.js';

const answer = [
  [5, 1796080942, 401806, ['SUNIONSTORE', 'u', 's'], '127.0.0.1:52590', ''],
  [4, 1796080941, 190465, ['AUTH', '(redacted)'], '127.0.0.1:52590', 'app'],
  ['not an entry'],
];

test("SLOWLOG GET's answer becomes entries, oldest first, and one line each", () => {
  const entries = slowEntries(answer);
  assert.deepEqual(
    entries.map((e) => e.id),
    [4, 5],
  );
  assert.equal(
    slowLine(entries[1]!),
    '2026-11-30T23:22:22.000Z 401806 us 127.0.0.1:52590 "SUNIONSTORE" "u" "s"\n',
  );
});

test('only the entries after the last one written are new; after a restart, ids start again', () => {
  const entries = slowEntries(answer);
  assert.deepEqual(
    newEntries(entries, 4).map((e) => e.id),
    [5],
  );
  assert.deepEqual(newEntries(entries, 5), []);
  // The server restarted: its newest id is below the last one written.
  assert.deepEqual(
    newEntries(entries, 90).map((e) => e.id),
    [4, 5],
  );
});
