// The steps of applying a configuration group to one instance: the guest keeps the whole new set
// where its server reads it at every start, then the running server takes the dynamic changes.
// If the guest refuses either, the previous set and group are put back before the step fails,
// so the instance runs as it did and its fault names the parameter and the server's refusal.

import { asCellarError, ConfigurationApplyFailed } from '@cellar/plugin-api';
import {
  readConfigureRequest,
  type ConfigureRequest,
} from '../configurations/configure-request.js';
import { now } from '../db/schema.js';
import type { Step, StepContext } from './step-context.js';

const isEmpty = (o: object): boolean => Object.keys(o).length === 0;

/** Puts the previous set and group back; says what could not be put back, if anything. */
async function rollBack(ctx: StepContext, request: ConfigureRequest): Promise<string | undefined> {
  const problems: string[] = [];
  try {
    await ctx.guest.updateOverrides(
      request.previous,
      request.previousConfiguration === null,
      ctx.context,
    );
    if (!isEmpty(request.revert)) await ctx.guest.applyOverrides(request.revert, ctx.context);
  } catch (error) {
    problems.push(asCellarError(error).message);
  }
  await ctx.deps.db
    .updateTable('instances')
    .set({ configuration_id: request.previousConfiguration, updated_at: now() })
    .where('id', '=', ctx.instance.id)
    .execute();
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Runs `work`; on a refusal rolls back and fails with why, naming what was kept. */
async function orRollBack(
  ctx: StepContext,
  request: ConfigureRequest,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const refusal = asCellarError(error).message;
    const left = await rollBack(ctx, request);
    const kept =
      left === undefined
        ? `the previous ${request.previousConfiguration === null ? 'values (no group)' : `group ${request.previousConfiguration}`} were restored`
        : `restoring the previous values failed too: ${left}`;
    throw new ConfigurationApplyFailed({
      configuration:
        request.configuration ?? `(detaching ${request.previousConfiguration ?? 'none'})`,
      instance: ctx.instance.id,
      reason: `${refusal}; ${kept}`,
    });
  }
}

const updateOverrides: Step = {
  name: 'update-overrides',
  async run(ctx) {
    const request = readConfigureRequest(ctx.operation);
    await orRollBack(ctx, request, () =>
      ctx.guest.updateOverrides(request.values, request.configuration === null, ctx.context),
    );
    return 'succeeded';
  },
};

const applyOverrides: Step = {
  name: 'apply-overrides',
  async run(ctx) {
    const request = readConfigureRequest(ctx.operation);
    if (!isEmpty(request.apply))
      await orRollBack(ctx, request, () => ctx.guest.applyOverrides(request.apply, ctx.context));
    // Trove's RESTART_REQUIRED: shown until the next restart, which clears it.
    if (request.restartRequired)
      await ctx.deps.db
        .updateTable('instances')
        .set({ restart_required: 1, updated_at: now() })
        .where('id', '=', ctx.instance.id)
        .execute();
    return isEmpty(request.apply) && !request.restartRequired ? 'skipped' : 'succeeded';
  },
};

export const configureSteps: readonly Step[] = [updateOverrides, applyOverrides];
