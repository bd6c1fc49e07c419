// The management API's instance actions, as Trove's /mgmt/instances/{id}/action: stop the
// database, reboot (Cellar restarts the guest's database through a restart operation), and
// reset-task-status; and rpc_ping, which asks the guest whether it answers.

import { BadRequest, OperationInterrupted } from '@cellar/plugin-api';
import { removeLeftovers } from '../backups/delete.js';
import { now } from '../db/schema.js';
import { guestContext, type Caller, type InstanceDeps } from '../instances/deps.js';
import { startOperation } from '../instances/start-operation.js';
import { openOperationStatuses, runningBackupStates } from '../instances/states.js';
import { loadInstance } from '../instances/lookup.js';

export const mgmtActions = ['stop', 'reboot', 'reset-task-status'] as const;
export type MgmtAction = (typeof mgmtActions)[number];

const isMgmtAction = (name: string): name is MgmtAction =>
  (mgmtActions as readonly string[]).includes(name);

/** How long rpc_ping waits for the guest before saying it does not answer. */
const PING_SECONDS = 5;

/** Carries out the one action `body` names on any project's instance. */
export async function mgmtInstanceAction(
  deps: InstanceDeps,
  caller: Caller,
  id: string,
  body: Readonly<Record<string, unknown>>,
): Promise<void> {
  const names = Object.keys(body);
  const name = names[0];
  if (names.length !== 1 || name === undefined || !isMgmtAction(name))
    throw new BadRequest({
      reason: `${names.length === 1 ? `action ${name ?? ''} is not one Cellar's management API knows` : `give exactly one action (got ${names.length})`}: choose one of ${mgmtActions.join(', ')} (migrate, rebuild and update need Nova images, which Cellar does not have)`,
    });
  // Every project's live instance: an admin's scope (a deleted one has nothing to act on).
  const row = await loadInstance(deps.db, undefined, id);
  switch (name) {
    case 'stop':
      // As Trove: the guest stops its database; its heartbeats then report it shut down.
      await deps.guest(row).stopDb(guestContext(caller));
      return;
    case 'reboot':
      // An operator reboots a stuck instance: no "can perform action" gate, one open operation.
      await startOperation(deps, row.id, 'restart', 'REBOOTING');
      return;
    case 'reset-task-status':
      await resetTaskStatus(deps, row.id);
      return;
  }
}

/**
 * Trove's reset-task-status: no task, the open operations and running backups failed (their late
 * reports are refused), the service status left as the guest last reported it.
 */
export async function resetTaskStatus(
  deps: Pick<InstanceDeps, 'db' | 'storages'>,
  instanceId: string,
): Promise<void> {
  const reason = new OperationInterrupted({
    kind: 'open',
    instance: instanceId,
    step: 'any',
    reason: "an administrator reset the instance's task status",
  });
  const failed = await deps.db.transaction().execute(async (trx) => {
    const at = now();
    await trx
      .updateTable('instances')
      .set({ task_status: 'NONE', updated_at: at })
      .where('id', '=', instanceId)
      .execute();
    await trx
      .updateTable('operations')
      .set({
        status: 'failed',
        secrets: null,
        error_code: reason.code,
        error_message: reason.message,
        updated_at: at,
      })
      .where('instance_id', '=', instanceId)
      .where('status', 'in', openOperationStatuses)
      .execute();
    const running = await trx
      .selectFrom('backups')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('state', 'in', runningBackupStates)
      .execute();
    await trx
      .updateTable('backups')
      .set({
        state: 'FAILED',
        fault_code: reason.code,
        fault_message: reason.message,
        updated_at: at,
      })
      .where('instance_id', '=', instanceId)
      .where('state', 'in', runningBackupStates)
      .execute();
    return running;
  });
  await removeLeftovers(deps.storages, failed, deps.db);
}

/** Whether any project's instance's guest answers within a few seconds (GuestTimeout if not). */
export async function rpcPing(deps: InstanceDeps, caller: Caller, id: string): Promise<void> {
  const row = await loadInstance(deps.db, undefined, id);
  await deps.guest(row).ping(guestContext(caller), PING_SECONDS);
}
