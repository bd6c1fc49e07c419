import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueChanges } from './changes.js';
import { testParameters } from './test-catalog.js';

test('a change applies its dynamic parameters at once, dropped ones back to default, and says when a restart is needed', () => {
  const changes = valueChanges(
    { max_connections: 100, work_mem: 4096, application_name: 'a' },
    { work_mem: 8192, application_name: 'a', jit: false },
    testParameters,
  );
  assert.deepEqual(changes.changes, [
    { name: 'jit', old: null, new: false, restartRequired: false },
    { name: 'max_connections', old: 100, new: null, restartRequired: true },
    { name: 'work_mem', old: 4096, new: 8192, restartRequired: false },
  ]);
  assert.deepEqual(changes.apply, { jit: false, work_mem: 8192 });
  assert.deepEqual(changes.revert, { jit: null, work_mem: 4096 });
  assert.equal(changes.restartRequired, true);
});

test('only dynamic changes need no restart; a parameter the catalog lost is taken as needing one', () => {
  assert.equal(valueChanges({}, { work_mem: 1024 }, testParameters).restartRequired, false);
  const lost = valueChanges({ gone_parameter: 1 }, {}, testParameters);
  assert.equal(lost.restartRequired, true);
  assert.deepEqual(lost.apply, {});
});
