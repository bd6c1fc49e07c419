import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeStatus } from './status.js';
import type { ServerStatus, TaskStatus } from './states.js';

const at = '2026-01-01T00:00:00.000Z';
const now = new Date('2026-01-01T00:00:30.000Z');

test('a healthy idle instance is ACTIVE with operating status HEALTHY', () => {
  assert.deepEqual(
    computeStatus(
      {
        taskStatus: 'NONE',
        serverStatus: 'ACTIVE',
        serviceStatus: 'healthy',
        serviceUpdatedAt: at,
      },
      now,
      90,
    ),
    {
      status: 'ACTIVE',
      operatingStatus: 'HEALTHY',
      effectiveServiceStatus: 'healthy',
    },
  );
});

test('building, rebooting, deleting and failed tasks show as Trove shows them, with no operating status', () => {
  const with_ = (taskStatus: TaskStatus, serverStatus: ServerStatus = 'ACTIVE') =>
    computeStatus(
      { taskStatus, serverStatus, serviceStatus: 'building', serviceUpdatedAt: at },
      now,
      90,
    );
  assert.deepEqual(
    [
      with_('BUILDING', 'BUILD').status,
      with_('BUILDING', 'ERROR').status,
      with_('REBOOTING').status,
      with_('DELETING').status,
      with_('BUILD_ERROR').status,
    ],
    ['BUILD', 'ERROR', 'REBOOT', 'SHUTDOWN', 'ERROR'],
  );
  assert.equal(with_('BUILDING').operatingStatus, '');
});

test('a guest silent for longer than the heartbeat expiry turns operating status to ERROR; status stays', () => {
  const late = new Date('2026-01-01T00:02:00.000Z');
  const s = computeStatus(
    { taskStatus: 'NONE', serverStatus: 'ACTIVE', serviceStatus: 'healthy', serviceUpdatedAt: at },
    late,
    90,
  );
  assert.deepEqual(
    [s.status, s.operatingStatus, s.effectiveServiceStatus],
    ['ACTIVE', 'ERROR', 'guestagent error'],
  );
});

test('a configuration change waiting for a restart shows RESTART_REQUIRED while idle, and yields to running and failed tasks', () => {
  const with_ = (taskStatus: TaskStatus) =>
    computeStatus(
      {
        taskStatus,
        serverStatus: 'ACTIVE',
        serviceStatus: 'healthy',
        serviceUpdatedAt: at,
        restartRequired: true,
      },
      now,
      90,
    ).status;
  assert.deepEqual(
    [with_('NONE'), with_('REBOOTING'), with_('BACKUP'), with_('RESTART_ERROR')],
    ['RESTART_REQUIRED', 'REBOOT', 'BACKUP', 'ERROR'],
  );
});
