// Event ids: what the stream sends reads back as the same cursor, in the log's order, and
// anything else a client sends is refused naming the form expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequest } from '@cellar/plugin-api';
import { compareCursors, formatCursor, parseCursor } from './cursor.js';

test('an event id reads back as its cursor, ordered by transaction then sequence', () => {
  const sent = { tx: 7301, seq: 42 };
  assert.deepEqual(parseCursor(formatCursor(sent)), sent);
  assert.ok(compareCursors({ tx: 1, seq: 99 }, { tx: 2, seq: 1 }) < 0);
  assert.ok(compareCursors({ tx: 2, seq: 3 }, { tx: 2, seq: 2 }) > 0);
  assert.equal(compareCursors(sent, { ...sent }), 0);
});

test('a Last-Event-ID that is not an event id is refused, saying what one looks like', () => {
  for (const bad of ['', '42', '1.2.3', '-1.5', 'x.1', `1.${'9'.repeat(20)}`])
    assert.throws(
      () => parseCursor(bad),
      (e: unknown) => e instanceof BadRequest && /such as 0\.42/.test((e as Error).message),
      bad,
    );
});
