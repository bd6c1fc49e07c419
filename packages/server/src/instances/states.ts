// The states an instance, its server, its guest and its operations go through, declared once:
// the control database's columns, the taskmanager, the conductor and the API all speak these.

import type { ServiceStatus as GuestServiceStatus } from '@cellar/plugin-api';

/** Trove's task status: what the control plane is doing to an instance, or which task failed. */
export const taskStatuses = [
  'NONE',
  'BUILDING',
  'REBOOTING',
  'DELETING',
  'RESIZING',
  // A backup of the instance is being taken: Trove's task status, shown as status BACKUP.
  'BACKUP',
  'RESTART_REQUIRED',
  // Replication (replication/): Trove's PROMOTING, EJECTING and DETACHING, and their failures.
  'PROMOTING',
  'EJECTING',
  'DETACHING',
  'PROMOTION_ERROR',
  'EJECTION_ERROR',
  'DETACH_ERROR',
  'BUILD_ERROR',
  'DELETE_ERROR',
  'RESTART_ERROR',
  'UPDATE_ERROR',
  'ERROR',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** The compute driver's view of an instance's server, in Nova's words. */
export type ServerStatus =
  'BUILD' | 'ACTIVE' | 'SHUTDOWN' | 'ERROR' | 'DELETED' | 'REBOOT' | 'RESIZE';

/**
 * The guest's service status as the control database keeps it: what the guest reports in its
 * heartbeats, and `restarting`, which the taskmanager writes while a restart is under way.
 */
export type ServiceStatus = GuestServiceStatus | 'restarting';

const guestServiceStatuses: ReadonlySet<string> = new Set<GuestServiceStatus>([
  'new',
  'building',
  'healthy',
  'running',
  'shutdown',
  'paused',
  'crashed',
  'failed to spawn',
  'restart required',
  'unknown',
]);

/** Narrows a status read off the wire (a heartbeat) to one a guest may report. */
export const isGuestServiceStatus = (status: string): status is GuestServiceStatus =>
  guestServiceStatuses.has(status);

export const operationKinds = [
  'create',
  'delete',
  'restart',
  'backup',
  'configure',
  'resize_volume',
  'resize_flavor',
  // Replication (replication/).
  'create_replica',
  'promote',
  'eject',
  'detach',
  'rejoin',
] as const;
export type OperationKind = (typeof operationKinds)[number];

export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed';
/** An operation that is still to run or running: what a starting taskmanager resumes. */
export const openOperationStatuses: readonly OperationStatus[] = ['pending', 'running'];

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
/** How a step that did not throw ended. */
export type StepOutcome = Extract<StepStatus, 'succeeded' | 'skipped'>;

/**
 * Trove's backup states: NEW when recorded, BUILDING while the guest streams it, SAVING (kept for
 * Trove's clients; Cellar's guest stores while it streams), then COMPLETED or FAILED; a delete the
 * storage refused leaves DELETE_FAILED.
 */
export const backupStates = [
  'NEW',
  'BUILDING',
  'SAVING',
  'COMPLETED',
  'FAILED',
  'DELETE_FAILED',
] as const;
export type BackupState = (typeof backupStates)[number];
/** A backup still being taken: the instance shows BACKUP, and the backup cannot be deleted. */
export const runningBackupStates: readonly BackupState[] = ['NEW', 'BUILDING', 'SAVING'];
