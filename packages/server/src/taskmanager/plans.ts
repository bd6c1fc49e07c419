// Each kind of operation declared once: its steps in order, and the task status its instance
// shows while it runs and when it fails. The API records the step names; the taskmanager runs them.

import type { OperationKind, TaskStatus } from '../instances/states.js';
import { backupSteps } from './backup-steps.js';
import { configureSteps } from './configure-steps.js';
import { createSteps } from './create-steps.js';
import { deleteSteps } from './delete-steps.js';
import { resizeFlavorSteps, resizeVolumeSteps } from './resize-steps.js';
import { restartSteps } from './restart-steps.js';
import { replicationPlans, replicationStepNames } from '../replication/plans.js';
import type { Step } from './step-context.js';

export interface OperationPlan {
  readonly steps: readonly Step[];
  readonly running: TaskStatus;
  readonly failed: TaskStatus;
  /** Whether a failure is the instance's fault; a failed backup is the backup's, not the instance's. */
  readonly faultsInstance: boolean;
}

export const plans: Readonly<Record<OperationKind, OperationPlan>> = {
  create: { steps: createSteps, running: 'BUILDING', failed: 'BUILD_ERROR', faultsInstance: true },
  delete: { steps: deleteSteps, running: 'DELETING', failed: 'DELETE_ERROR', faultsInstance: true },
  restart: {
    steps: restartSteps,
    running: 'REBOOTING',
    failed: 'RESTART_ERROR',
    faultsInstance: true,
  },
  // A backup that fails leaves the instance as it was: ACTIVE, the reason kept on the backup.
  backup: { steps: backupSteps, running: 'BACKUP', failed: 'NONE', faultsInstance: false },
  // Applying a configuration group: the instance stays ACTIVE, and a guest's refusal is rolled
  // back on it, so it ends as it was with the reason in its fault.
  configure: { steps: configureSteps, running: 'NONE', failed: 'NONE', faultsInstance: true },
  // A failed resize leaves the instance as it was (its database started again), the fault saying why.
  resize_volume: {
    steps: resizeVolumeSteps,
    running: 'RESIZING',
    failed: 'NONE',
    faultsInstance: true,
  },
  resize_flavor: {
    steps: resizeFlavorSteps,
    running: 'RESIZING',
    failed: 'NONE',
    faultsInstance: true,
  },
  ...replicationPlans,
};

/** The names of each kind's steps, as an operation records them. */
export const stepsOf: Readonly<Record<OperationKind, readonly string[]>> = {
  create: createSteps.map((s) => s.name),
  delete: deleteSteps.map((s) => s.name),
  restart: restartSteps.map((s) => s.name),
  backup: backupSteps.map((s) => s.name),
  configure: configureSteps.map((s) => s.name),
  resize_volume: resizeVolumeSteps.map((s) => s.name),
  resize_flavor: resizeFlavorSteps.map((s) => s.name),
  ...replicationStepNames,
};

/** The step of this name in a kind's plan. */
export function stepOf(kind: OperationKind, name: string): Step {
  const step = plans[kind].steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name} in ${kind} operations`);
  return step;
}
