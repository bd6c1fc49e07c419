import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeStatus } from '../instances/status.js';
import type { TaskStatus } from '../instances/states.js';

const at = new Date('2026-11-30T12:00:00Z');
const statusWith = (taskStatus: TaskStatus) =>
  computeStatus(
    {
      taskStatus,
      serverStatus: 'ACTIVE',
      serviceStatus: 'healthy',
      serviceUpdatedAt: at.toISOString(),
    },
    at,
    90,
  ).status;

test("a promotion, an ejection and a detach show Trove's statuses, and their failures ERROR", () => {
  assert.equal(statusWith('PROMOTING'), 'PROMOTE');
  assert.equal(statusWith('EJECTING'), 'EJECT');
  assert.equal(statusWith('DETACHING'), 'DETACH');
  for (const failed of ['PROMOTION_ERROR', 'EJECTION_ERROR', 'DETACH_ERROR'] as const)
    assert.equal(statusWith(failed), 'ERROR');
});
