// What can be done to an existing instance besides deleting it: restart, an administrator's
// reset_status, and update (rename, and change who may reach it).

import { BadRequest, InstanceBusy, OperationInterrupted } from '@cellar/plugin-api';
import { removeLeftovers } from '../backups/delete.js';
import { detachReplica } from '../replication/actions.js';
import { now } from '../db/schema.js';
import { guestContext, type Caller, type InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';
import { accessValue, type AccessRequest } from './access.js';
import { securityRules } from './security-rules.js';
import { openOperationStatuses, runningBackupStates } from './states.js';
import { startOperation } from './start-operation.js';
import { canPerformAction } from './status.js';
import { statusOf } from './views.js';

/** Restarts the instance's database: one operation, refused while another is open. */
export async function restartInstance(
  deps: InstanceDeps,
  tenant: string,
  id: string,
): Promise<string> {
  const row = await loadInstance(deps.db, tenant, id);
  if (!canPerformAction(statusOf(row, new Date(), deps.heartbeatExpiry)))
    throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
  return (await startOperation(deps, row.id, 'restart', 'REBOOTING')).operationId;
}

/**
 * Trove's way out of a stuck state: no task, service status unknown (shown as ERROR), and the
 * open operations and running backups failed, so a new one may start.
 */
export async function resetInstanceStatus(
  deps: Pick<InstanceDeps, 'db' | 'storages'>,
  tenant: string,
  id: string,
): Promise<void> {
  const row = await loadInstance(deps.db, tenant, id);
  const reason = new OperationInterrupted({
    kind: 'open',
    instance: row.id,
    step: 'any',
    reason: 'an administrator reset the instance status',
  });
  const failed = await deps.db.transaction().execute(async (trx) => {
    const at = now();
    await trx
      .updateTable('instances')
      .set({ task_status: 'NONE', updated_at: at })
      .where('id', '=', row.id)
      .execute();
    await trx
      .updateTable('service_statuses')
      .set({ status: 'unknown', updated_at: at })
      .where('instance_id', '=', row.id)
      .execute();
    await trx
      .updateTable('operations')
      .set({
        status: 'failed',
        // An operation an administrator ends keeps no secrets to resume with.
        secrets: null,
        error_code: reason.code,
        error_message: reason.message,
        updated_at: at,
      })
      .where('instance_id', '=', row.id)
      .where('status', 'in', openOperationStatuses)
      .execute();
    // As Trove: the backups still being taken end FAILED; their guest's late reports are refused.
    const running = await trx
      .selectFrom('backups')
      .selectAll()
      .where('instance_id', '=', row.id)
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
      .where('instance_id', '=', row.id)
      .where('state', 'in', runningBackupStates)
      .execute();
    return running;
  });
  await removeLeftovers(deps.storages, failed, deps.db);
}

export interface InstanceUpdate {
  readonly name?: string | undefined;
  readonly access?: AccessRequest | undefined;
  readonly replica_of?: string | null | undefined;
  readonly slave_of?: string | null | undefined;
}

/** Renames the instance and/or changes who may reach it; a running server obeys at once. */
export async function updateInstance(
  deps: InstanceDeps,
  caller: Caller,
  tenant: string,
  id: string,
  update: InstanceUpdate,
): Promise<void> {
  if ('replica_of' in update || 'slave_of' in update) {
    await detachReplica(deps, tenant, id);
    return;
  }
  const row = await loadInstance(deps.db, tenant, id);
  const { name, access } = update;
  if (name === undefined && access === undefined)
    throw new BadRequest({ reason: 'Nothing to update: give instance.name or instance.access' });
  const changes: { name?: string; access?: string; security_rules?: string } = {};
  if (name !== undefined) changes.name = name;
  if (access !== undefined) {
    const policy = deps.datastores.get(row.datastore);
    const merged = accessValue(access);
    changes.access = JSON.stringify(merged);
    if (policy)
      changes.security_rules = JSON.stringify(
        securityRules(policy.tcpPorts, policy.udpPorts, merged.allowed_cidrs),
      );
    // Not while an operation runs: a create has already handed the old access to its server.
    if (row.task_status !== 'NONE')
      throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
    // A running server enforces it before the answer, so the next connection already obeys it.
    if (row.address !== null)
      await deps.guest(row).applyAccess(merged.allowed_cidrs, guestContext(caller));
  }
  await deps.db
    .updateTable('instances')
    .set({ ...changes, updated_at: now() })
    .where('id', '=', row.id)
    .execute();
}
