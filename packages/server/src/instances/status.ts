// An instance's visible status, computed on every read as Trove does (task, server and service
// status, first match wins), with heartbeat expiry turning a silent guest's operating status to ERROR.

/** Task statuses that are failures of the named task: status ERROR, with the reason in the fault. */
export const errorTasks = new Set([
  'BUILD_ERROR',
  'DELETE_ERROR',
  'RESTART_ERROR',
  'UPDATE_ERROR',
  'ERROR',
]);

/** The API rendering of a guest's service status description. */
const serviceStatusView: Readonly<Record<string, string>> = {
  running: 'ACTIVE',
  blocked: 'BLOCKED',
  paused: 'SHUTDOWN',
  shutdown: 'SHUTDOWN',
  deleted: 'DELETED',
  crashed: 'SHUTDOWN',
  'failed to spawn': 'FAILED',
  building: 'BUILD',
  unknown: 'ERROR',
  new: 'NEW',
  'guestagent error': 'ERROR',
  'instance ready': 'BUILD',
  'restart required': 'RESTART_REQUIRED',
  healthy: 'HEALTHY',
  restarting: 'RESTARTING',
};

/** Server statuses a deleting instance can be in without its delete having failed. */
const stoppableServers = new Set(['ACTIVE', 'SHUTDOWN', 'DELETED']);
/** Server statuses shown as they are when no task is running. */
const shownServers = new Set(['BUILD', 'ERROR', 'REBOOT', 'RESIZE', 'ACTIVE', 'SHUTDOWN']);
const idleTasks = new Set(['NONE', 'RESTART_REQUIRED']);
const actionableServices = new Set([
  'running',
  'shutdown',
  'crashed',
  'blocked',
  'healthy',
  'restart required',
]);

export interface StatusInputs {
  readonly taskStatus: string;
  readonly serverStatus: string;
  readonly serviceStatus: string;
  /** ISO time of the last heartbeat. */
  readonly serviceUpdatedAt: string;
}

export interface ComputedStatus {
  readonly status: string;
  readonly operatingStatus: string;
  /** The service status after heartbeat expiry: what gating rules look at. */
  readonly effectiveServiceStatus: string;
}

export function computeStatus(
  s: StatusInputs,
  now: Date,
  heartbeatExpirySeconds: number,
): ComputedStatus {
  let service = s.serviceStatus;
  if (
    s.taskStatus === 'NONE' &&
    service !== 'restart required' &&
    now.getTime() - Date.parse(s.serviceUpdatedAt) > heartbeatExpirySeconds * 1000
  ) {
    service = 'guestagent error';
  }
  let status: string;
  if (errorTasks.has(s.taskStatus)) status = 'ERROR';
  else if (s.taskStatus === 'BUILDING') status = s.serverStatus === 'ERROR' ? 'ERROR' : 'BUILD';
  else if (s.taskStatus === 'REBOOTING') status = 'REBOOT';
  else if (s.taskStatus === 'RESIZING') status = 'RESIZE';
  else if (s.taskStatus === 'RESTART_REQUIRED') status = 'RESTART_REQUIRED';
  else if (s.taskStatus === 'DELETING')
    status = stoppableServers.has(s.serverStatus) ? 'SHUTDOWN' : 'ERROR';
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
