import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { DEFAULT_MINUTES, minutesOf } from './instance-metrics.js';

test('minutes default to an hour and go up to the day that is kept', () => {
  assert.equal(minutesOf(undefined), DEFAULT_MINUTES);
  assert.equal(minutesOf('1'), 1);
  assert.equal(minutesOf('1440'), 1440);
});

test('minutes outside 1 to 1440 are refused with the range that would do', () => {
  for (const text of ['0', '1441', '-5', '1.5', 'hour', '']) {
    assert.throws(
      () => minutesOf(text),
      (error: unknown) =>
        isCellarError(error) && error.status === 400 && /from 1 to 1440/.test(error.message),
      text,
    );
  }
});
