import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { logAction } from './guest-logs.js';
import { lastLines } from './published-log.js';

test("Trove's 0/1 flags and booleans become the guest's action; no flag is a show", () => {
  assert.deepEqual(logAction({ name: 'general', enable: 1, publish: true, discard: 0 }), {
    logName: 'general',
    enable: true,
    disable: false,
    publish: true,
    discard: false,
  });
  const shown = logAction({ name: 'general' });
  assert.deepEqual(
    [shown.enable, shown.disable, shown.publish, shown.discard],
    [false, false, false, false],
  );
});

test('enable and disable together are refused with 400, naming the log and what to send', () => {
  assert.throws(
    () => logAction({ name: 'slow_query', enable: 1, disable: true }),
    (error: unknown) =>
      isCellarError(error) &&
      error.status === 400 &&
      /slow_query cannot be enabled and disabled/.test(error.message) &&
      /"enable": 1 or "disable": 1/.test(error.message),
  );
});

test('the last lines of a published log, with or without a final newline', () => {
  assert.equal(lastLines('a\nb\nc\n', 2), 'b\nc\n');
  assert.equal(lastLines('a\nb\nc', 5), 'a\nb\nc\n');
  assert.equal(lastLines('', 3), '');
});
