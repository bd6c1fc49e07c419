import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { recoveryTargetTime } from './recovery.js';

test('a restore time reaches PostgreSQL with its microseconds and zone kept', () => {
  assert.equal(
    recoveryTargetTime('2026-11-30T13:48:29.042934+00:00'),
    '2026-11-30 13:48:29.042934+00:00',
  );
  assert.equal(recoveryTargetTime('2026-11-30T13:48:29Z'), '2026-11-30 13:48:29+00');
});

test('a restore time without a zone, or not a time, is refused as a bad request', () => {
  for (const time of ['2026-11-30T13:48:29', 'yesterday', "2026-11-30T13:48:29Z'; --"])
    assert.throws(
      () => recoveryTargetTime(time),
      (error: unknown) => isCellarError(error) && error.code === 'CELLAR_BAD_REQUEST',
      time,
    );
});
