// What can be done to an existing instance besides deleting it: the actions of POST
// /instances/{id}/action (one table: restart, an administrator's reset_status, resize, and the
// replication switchover and failover), and update.

import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ProjectScope } from '../policy/admin-context.js';
import { BadRequest, InstanceBusy, OperationInterrupted } from '@cellar/plugin-api';
import { removeLeftovers } from '../backups/delete.js';
import {
  detachReplica,
  ejectReplicaSource,
  promoteToReplicaSource,
} from '../replication/actions.js';
import { now } from '../db/schema.js';
import { guestContext, type Caller, type InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';
import { accessValue, type AccessRequest } from './access.js';
import { securityRules } from './security-rules.js';
import { releaseOpenResize, resizeInstance, resizeRequest, type ResizeRequest } from './resize.js';
import { openOperationStatuses, runningBackupStates } from './states.js';
import { startOperation } from './start-operation.js';
import { canPerformAction } from './status.js';
import { statusOf } from './views.js';

/** Restarts the instance's database: one operation, refused while another is open. */
export async function restartInstance(
  deps: InstanceDeps,
  tenant: ProjectScope,
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
  deps: Pick<InstanceDeps, 'db' | 'storages'> & Partial<Pick<InstanceDeps, 'quotas'>>,
  tenant: ProjectScope,
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
    if (deps.quotas) await releaseOpenResize(trx, deps.quotas, row);
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
  tenant: ProjectScope,
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

/** One action of POST /instances/{id}/action: its body's schema, Trove's policy rule, what it does. */
export interface InstanceAction {
  readonly body: TSchema;
  /** Trove's policy rule for this request of the action. */
  readonly rule: (args: unknown) => string;
  readonly summary: string;
  run(
    deps: InstanceDeps,
    caller: Caller,
    scope: ProjectScope,
    id: string,
    body: unknown,
  ): Promise<unknown>;
}

const empty = Type.Object({}, { additionalProperties: false });

/** Every action Cellar knows, by the one key of the request's body: an action is one entry here. */
export const instanceActions: Readonly<Record<string, InstanceAction>> = {
  restart: {
    body: empty,
    rule: () => 'instance:restart',
    summary: 'restart the database',
    run: (deps, _caller, tenant, id) => restartInstance(deps, tenant, id),
  },
  reset_status: {
    body: Type.Object(
      { force_delete: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    ),
    rule: (args) =>
      (args as { force_delete?: boolean } | undefined)?.force_delete === true
        ? 'instance:force_delete'
        : 'instance:reset_status',
    summary: "(admins) clear a stuck task; the instance's status shows ERROR",
    run: (deps, _caller, tenant, id) => resetInstanceStatus(deps, tenant, id),
  },
  resize: {
    body: resizeRequest,
    rule: (args) =>
      (args as ResizeRequest | undefined)?.volume !== undefined
        ? 'instance:resize_volume'
        : 'instance:resize_flavor',
    summary: 'a new flavor (flavorRef) or a larger volume (volume.size)',
    run: (deps, _caller, tenant, id, body) =>
      resizeInstance(deps, tenant, id, body as ResizeRequest),
  },
  promote_to_replica_source: {
    body: empty,
    rule: () => 'instance:promote_to_replica_source',
    summary: 'a planned switchover: this replica becomes the source, the old source its replica',
    run: (deps, _caller, tenant, id) => promoteToReplicaSource(deps, tenant, id),
  },
  eject_replica_source: {
    body: empty,
    rule: () => 'instance:eject_replica_source',
    summary: 'this source is gone: its most advanced replica is promoted in its place',
    run: (deps, _caller, tenant, id) => ejectReplicaSource(deps, tenant, id),
  },
};

/** The body's one action, checked against the table, run: an unknown one is named with those Cellar knows. */
export async function runAction(
  deps: InstanceDeps,
  caller: Caller,
  scope: ProjectScope,
  id: string,
  body: Readonly<Record<string, unknown>>,
): Promise<void> {
  const known = Object.keys(instanceActions).join(', ');
  const names = Object.keys(body);
  const name = names[0];
  if (name === undefined || names.length > 1)
    throw new BadRequest({
      reason: `An action request names exactly one action, not ${names.length === 0 ? 'none' : names.join(' and ')}; Cellar knows ${known}.`,
    });
  const action = Object.hasOwn(instanceActions, name) ? instanceActions[name] : undefined;
  if (action === undefined)
    throw new BadRequest({ reason: `Unknown action '${name}': Cellar knows ${known}.` });
  const args = body[name];
  if (!Value.Check(action.body, args)) {
    const first = [...Value.Errors(action.body, args)][0];
    throw new BadRequest({
      reason: `body.${name}${first?.path.replaceAll('/', '.') ?? ''}: ${first?.message ?? 'not valid'}`,
    });
  }
  await action.run(deps, caller, scope, id, args);
}

/**
 * Trove's policy rule for an action request, for the policy check before the handler; undefined
 * when the body names no single known action (the handler answers 400 then).
 */
export function actionRule(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const names = Object.keys(body);
  const name = names[0];
  if (name === undefined || names.length > 1 || !Object.hasOwn(instanceActions, name))
    return undefined;
  return instanceActions[name]?.rule((body as Record<string, unknown>)[name]);
}
