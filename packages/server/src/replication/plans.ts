// The replication operations declared as every kind is (taskmanager/plans.ts takes these): steps,
// the task status shown while they run and when they fail.

import type { OperationPlan } from '../taskmanager/plans.js';
import { createReplicaSteps } from './create-steps.js';
import { detachSteps } from './detach.js';
import { ejectSteps } from './eject-steps.js';
import { promoteSteps } from './promote-steps.js';
import { rejoinSteps } from './rejoin-steps.js';

export const replicationPlans = {
  create_replica: {
    steps: createReplicaSteps,
    running: 'BUILDING',
    failed: 'BUILD_ERROR',
    faultsInstance: true,
  },
  promote: {
    steps: promoteSteps,
    running: 'PROMOTING',
    failed: 'PROMOTION_ERROR',
    faultsInstance: true,
  },
  eject: { steps: ejectSteps, running: 'EJECTING', failed: 'EJECTION_ERROR', faultsInstance: true },
  detach: {
    steps: detachSteps,
    running: 'DETACHING',
    failed: 'DETACH_ERROR',
    faultsInstance: true,
  },
  // Shown BUILD while it becomes a replica; one that cannot follow its successor shows ERROR.
  rejoin: { steps: rejoinSteps, running: 'BUILDING', failed: 'ERROR', faultsInstance: true },
} as const satisfies Record<string, OperationPlan>;

const names = (steps: readonly { readonly name: string }[]): string[] => steps.map((s) => s.name);

/** The names of each replication kind's steps, as an operation records them. */
export const replicationStepNames = {
  create_replica: names(createReplicaSteps),
  promote: names(promoteSteps),
  eject: names(ejectSteps),
  detach: names(detachSteps),
  rejoin: names(rejoinSteps),
};
