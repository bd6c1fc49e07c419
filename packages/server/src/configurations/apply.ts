// Applying a configuration change to instances: the plan for each (what changes, what the server
// takes at once, whether a restart is needed), Cellar's dry-run answer made of those plans, and
// the configure operation started per instance with its group recorded in the same transaction.

import {
  InstanceBusy,
  NotFound,
  type ConfigurationParameter,
  type ConfigurationValues,
} from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import type { InstanceDeps } from '../instances/deps.js';
import { startOperation } from '../instances/start-operation.js';
import { canPerformAction } from '../instances/status.js';
import { statusOf, type InstanceRow } from '../instances/views.js';
import { valueChanges, type ValueChanges } from './changes.js';
import type { ConfigureRequest } from './configure-request.js';

export interface InstancePlan {
  readonly instance: InstanceRow;
  readonly changes: ValueChanges;
  readonly request: ConfigureRequest;
}

/** What changing `instance` from the previous group and set to the next comes to. */
export function planFor(
  instance: InstanceRow,
  from: { readonly configuration: string | null; readonly values: ConfigurationValues },
  to: { readonly configuration: string | null; readonly values: ConfigurationValues },
  catalog: readonly ConfigurationParameter[],
): InstancePlan {
  const changes = valueChanges(from.values, to.values, catalog);
  return {
    instance,
    changes,
    request: {
      configuration: to.configuration,
      previousConfiguration: from.configuration,
      values: { ...to.values },
      previous: { ...from.values },
      apply: { ...changes.apply },
      revert: { ...changes.revert },
      restartRequired: changes.restartRequired,
    },
  };
}

/** Cellar's `?dry_run=true` answer: per instance, each change old → new and what needs a restart. */
export interface DryRunView {
  readonly dry_run: {
    readonly configuration: string | null;
    readonly instances: readonly {
      readonly id: string;
      readonly name: string;
      readonly restart_required: boolean;
      readonly changes: readonly {
        readonly name: string;
        readonly old: string | number | boolean | null;
        readonly new: string | number | boolean | null;
        readonly restart_required: boolean;
      }[];
    }[];
  };
}

export function dryRunView(
  configuration: string | null,
  plans: readonly InstancePlan[],
): DryRunView {
  return {
    dry_run: {
      configuration,
      instances: plans.map((p) => ({
        id: p.instance.id,
        name: p.instance.name,
        restart_required: p.changes.restartRequired,
        changes: p.changes.changes.map((c) => ({
          name: c.name,
          old: c.old,
          new: c.new,
          restart_required: c.restartRequired,
        })),
      })),
    },
  };
}

/** Refuses (422) unless the instance can take a change now: up, idle, its database answering. */
export function checkIdle(deps: Pick<InstanceDeps, 'heartbeatExpiry'>, row: InstanceRow): void {
  if (!canPerformAction(statusOf(row, new Date(), deps.heartbeatExpiry)))
    throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
}

/** Starts the configure operation of one plan; the instance records its new group with it. */
export async function startConfigure(
  deps: Pick<InstanceDeps, 'db' | 'controlKey' | 'runOperation'>,
  plan: InstancePlan,
): Promise<string> {
  const started = await startOperation(deps, plan.instance.id, 'configure', 'NONE', {
    record: async (trx) => {
      // Takes the group's row lock, as a delete does: one of the two waits for the other and
      // then sees what it did (the group gone, or an instance attached to it).
      if (plan.request.configuration !== null) {
        const held = await trx
          .updateTable('configurations')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('id', '=', plan.request.configuration)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (held.numUpdatedRows === 0n)
          throw new NotFound({ resource: 'Configuration group', id: plan.request.configuration });
      }
      await trx
        .updateTable('instances')
        .set({ configuration_id: plan.request.configuration, updated_at: now() })
        .where('id', '=', plan.instance.id)
        .execute();
      return plan.request;
    },
  });
  return started.operationId;
}
