// The guests that should be running, handed back to the compute driver after a restart and, for
// a driver whose guests can die on their own, checked every watch_interval; a guest that would not
// start again becomes its instance's fault.

import { randomUUID } from 'node:crypto';
import { asCellarError } from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import type { GuestDown, InjectedGuest } from '../drivers/compute/compute-driver.js';
import { heldForFailover } from '../replication/failover-monitor.js';
import { injectedGuest } from './injected-guest.js';
import type { TaskManagerDeps } from './step-context.js';

/** Instances not deleted, with a server, and no create or delete under way (a backup may be). */
async function liveGuests(deps: TaskManagerDeps): Promise<InjectedGuest[]> {
  const live = await deps.db
    .selectFrom('instances')
    .innerJoin('datastore_versions', 'datastore_versions.id', 'instances.datastore_version_id')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .select([
      'instances.id',
      'instances.name',
      'instances.rpc_key',
      'datastores.name as datastore',
      'datastore_versions.name as version',
    ])
    .where('instances.deleted_at', 'is', null)
    .where('instances.address', 'is not', null)
    .where('instances.task_status', 'in', ['NONE', 'RESTART_ERROR', 'REBOOTING', 'BACKUP'])
    .execute();
  return live.map((i) => injectedGuest(deps, i));
}

/** A guest that would not start again is the instance's fault, for its owner to read. */
async function recordDown(deps: TaskManagerDeps, down: readonly GuestDown[]): Promise<void> {
  for (const { instanceId, error } of down) {
    const reason = asCellarError(error);
    await deps.db
      .insertInto('instance_faults')
      .values({
        id: randomUUID(),
        instance_id: instanceId,
        code: reason.code,
        message: `The guest agent stopped and could not be started again; Cellar keeps trying. ${reason.message}`,
        details: '',
        created_at: now(),
      })
      .execute();
  }
}

/** Hands the guests of live instances back to the compute driver after a restart. */
export async function adoptGuests(deps: TaskManagerDeps): Promise<void> {
  await recordDown(deps, await deps.compute.adopt(await liveGuests(deps)));
}

/**
 * Every `seconds`, has the compute driver start again the guests of live instances that died
 * (a crash, the OOM killer, a lost broker connection). Returns what stops it.
 */
export function watchGuests(deps: TaskManagerDeps, seconds: number): () => Promise<void> {
  // A round still running when the next is due (a guest slow to start) makes that one skip.
  let round: Promise<void> | undefined;
  const timer = setInterval(() => {
    round ??= (async () => {
      try {
        const held = await heldForFailover(deps);
        const guests = (await liveGuests(deps)).filter((g) => !held.has(g.instanceId));
        await recordDown(deps, (await deps.compute.revive?.(guests)) ?? []);
      } catch (error) {
        deps.log.warn({ err: error }, 'the guests could not be checked');
      } finally {
        round = undefined;
      }
    })();
  }, seconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await round;
  };
}
