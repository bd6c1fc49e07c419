// An instance's visible status, computed on every read as Trove does (task, server and service
// status, first match wins), with heartbeat expiry turning a silent guest's operating status to ERROR.

import type { ServerStatus, ServiceStatus, TaskStatus } from './states.js';

/** The status an instance shows, as Trove computes it. */
export type InstanceStatus =
  ServerStatus | 'RESTART_REQUIRED' | 'BACKUP' | 'UNKNOWN' | 'PROMOTE' | 'EJECT' | 'DETACH';

/** The service status gating rules look at: what the guest said, or that it went silent. */
export type EffectiveServiceStatus = ServiceStatus | 'guestagent error';

/** Task statuses that are failures of the named task: status ERROR, with the reason in the fault. */
export const errorTasks: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  'BUILD_ERROR',
  'DELETE_ERROR',
  'RESTART_ERROR',
  'UPDATE_ERROR',
  'PROMOTION_ERROR',
  'EJECTION_ERROR',
  'DETACH_ERROR',
  'ERROR',
]);

/** The API rendering of a guest's service status description. */
export const serviceStatusView: Readonly<Record<EffectiveServiceStatus, string>> = {
  running: 'ACTIVE',
  paused: 'SHUTDOWN',
  shutdown: 'SHUTDOWN',
  crashed: 'SHUTDOWN',
  'failed to spawn': 'FAILED',
  building: 'BUILD',
  unknown: 'ERROR',
  new: 'NEW',
  'guestagent error': 'ERROR',
  'restart required': 'RESTART_REQUIRED',
  healthy: 'HEALTHY',
  restarting: 'RESTARTING',
};

/** Server statuses a deleting instance can be in without its delete having failed. */
const stoppableServers: ReadonlySet<ServerStatus> = new Set(['ACTIVE', 'SHUTDOWN', 'DELETED']);
/** Server statuses shown as they are when no task is running. */
const shownServers: ReadonlySet<ServerStatus> = new Set([
  'BUILD',
  'ERROR',
  'REBOOT',
  'RESIZE',
  'ACTIVE',
  'SHUTDOWN',
]);
const idleTasks: ReadonlySet<TaskStatus> = new Set(['NONE', 'RESTART_REQUIRED']);
const actionableServices: ReadonlySet<EffectiveServiceStatus> = new Set([
  'running',
  'shutdown',
  'crashed',
  'healthy',
  'restart required',
]);

/** Trove's statuses while a replica is promoted, its source ejected, or it is detached. */
const replicationStatuses: Partial<Record<TaskStatus, InstanceStatus>> = {
  PROMOTING: 'PROMOTE',
  EJECTING: 'EJECT',
  DETACHING: 'DETACH',
};

export interface StatusInputs {
  readonly taskStatus: TaskStatus;
  readonly serverStatus: ServerStatus;
  readonly serviceStatus: ServiceStatus;
  /** ISO time of the last heartbeat. */
  readonly serviceUpdatedAt: string;
  /** A configuration change waits for a restart: shown as Trove's RESTART_REQUIRED. */
  readonly restartRequired?: boolean;
}

export interface ComputedStatus {
  readonly status: InstanceStatus;
  readonly operatingStatus: string;
  /** The service status after heartbeat expiry: what gating rules look at. */
  readonly effectiveServiceStatus: EffectiveServiceStatus;
}

export function computeStatus(
  s: StatusInputs,
  now: Date,
  heartbeatExpirySeconds: number,
): ComputedStatus {
  let service: EffectiveServiceStatus = s.serviceStatus;
  if (
    s.taskStatus === 'NONE' &&
    service !== 'restart required' &&
    now.getTime() - Date.parse(s.serviceUpdatedAt) > heartbeatExpirySeconds * 1000
  ) {
    service = 'guestagent error';
  }
  let status: InstanceStatus;
  const replicating = replicationStatuses[s.taskStatus];
  if (errorTasks.has(s.taskStatus)) status = 'ERROR';
  else if (s.taskStatus === 'BUILDING') status = s.serverStatus === 'ERROR' ? 'ERROR' : 'BUILD';
  else if (s.taskStatus === 'REBOOTING') status = 'REBOOT';
  else if (s.taskStatus === 'RESIZING') status = 'RESIZE';
  else if (s.taskStatus === 'BACKUP') status = 'BACKUP';
  else if (replicating !== undefined) status = replicating;
  else if (s.taskStatus === 'RESTART_REQUIRED') status = 'RESTART_REQUIRED';
  else if (s.taskStatus === 'DELETING')
    status = stoppableServers.has(s.serverStatus) ? 'SHUTDOWN' : 'ERROR';
  else if (s.restartRequired === true && s.taskStatus === 'NONE') status = 'RESTART_REQUIRED';
  else if (shownServers.has(s.serverStatus)) status = s.serverStatus;
  else status = 'UNKNOWN';
  const operatingStatus =
    s.taskStatus === 'NONE' && s.serverStatus === 'ACTIVE'
      ? (serviceStatusView[service] ?? 'ERROR')
      : '';
  return { status, operatingStatus, effectiveServiceStatus: service };
}

/** Trove's "can perform action": the server up, no task running, a service status that allows it. */
export function canPerformAction(s: StatusInputs & ComputedStatus): boolean {
  return (
    s.serverStatus === 'ACTIVE' &&
    idleTasks.has(s.taskStatus) &&
    actionableServices.has(s.effectiveServiceStatus)
  );
}
