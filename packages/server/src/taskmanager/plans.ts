// Each kind of operation declared once: its steps in order, and the task status its instance
// shows while it runs and when it fails. The API records the step names; the taskmanager runs them.

import type { OperationKind, TaskStatus } from '../instances/states.js';
import { createSteps } from './create-steps.js';
import { deleteSteps } from './delete-steps.js';
import { restartSteps } from './restart-steps.js';
import type { Step } from './step-context.js';

export interface OperationPlan {
  readonly steps: readonly Step[];
  readonly running: TaskStatus;
  readonly failed: TaskStatus;
}

export const plans: Readonly<Record<OperationKind, OperationPlan>> = {
  create: { steps: createSteps, running: 'BUILDING', failed: 'BUILD_ERROR' },
  delete: { steps: deleteSteps, running: 'DELETING', failed: 'DELETE_ERROR' },
  restart: { steps: restartSteps, running: 'REBOOTING', failed: 'RESTART_ERROR' },
};

/** The names of each kind's steps, as an operation records them. */
export const stepsOf: Readonly<Record<OperationKind, readonly string[]>> = {
  create: createSteps.map((s) => s.name),
  delete: deleteSteps.map((s) => s.name),
  restart: restartSteps.map((s) => s.name),
};

/** The step of this name in a kind's plan. */
export function stepOf(kind: OperationKind, name: string): Step {
  const step = plans[kind].steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name} in ${kind} operations`);
  return step;
}
