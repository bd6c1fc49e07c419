// Starting an operation on an existing instance: its task status and the operation's record are
// written in one transaction, and the database's unique index on open operations (migration
// 0003) decides between requests that race, so at most one of them ever starts one.

import type { Kysely, Transaction } from 'kysely';
import { InstanceBusy, type CellarError } from '@cellar/plugin-api';
import { now, type Database, type Instance } from '../db/schema.js';
import { openOperationStatuses } from './states.js';
import { Operations, type OperationKind } from '../taskmanager/operations.js';
import { stepsOf } from '../taskmanager/taskmanager.js';
import type { InstanceDeps } from './deps.js';

/** What a start comes to: a new operation, or (for a repeated delete) the one already open. */
export interface Started {
  readonly operationId: string;
  readonly isNew: boolean;
}

/**
 * Starts a `kind` operation on the instance and hands it to the taskmanager; refuses with
 * InstanceBusy (422) while another is open. With `joinSame`, an open operation of the same kind
 * is the answer instead (deleting an instance that is being deleted is no error).
 */
export async function startOperation(
  deps: Pick<InstanceDeps, 'db' | 'controlKey' | 'runOperation'>,
  instanceId: string,
  kind: OperationKind,
  taskStatus: Instance['task_status'],
  options: {
    readonly joinSame?: boolean;
    /**
     * Writes what the operation works on (a backup's record, its quota) in the same transaction,
     * and returns the operation's request: a refused start leaves none of it.
     */
    readonly record?: (trx: Transaction<Database>) => Promise<object>;
  } = {},
): Promise<Started> {
  let started: Started;
  try {
    started = await deps.db.transaction().execute(async (trx) => {
      const open = await openOperation(trx, instanceId);
      if (open && options.joinSame && open.kind === kind)
        return { operationId: open.id, isNew: false };
      if (open) throw await busy(trx, instanceId);
      const request = (await options.record?.(trx)) ?? {};
      await trx
        .updateTable('instances')
        .set({ task_status: taskStatus, updated_at: now() })
        .where('id', '=', instanceId)
        .execute();
      const operationId = await new Operations(deps.db, deps.controlKey).create(
        trx,
        instanceId,
        kind,
        request,
        stepsOf[kind],
      );
      return { operationId, isNew: true };
    });
  } catch (error) {
    // Another request committed its operation between this one's check and its insert.
    if (!isOpenOperationConflict(error)) throw error;
    const open = await openOperation(deps.db, instanceId);
    if (!open || !options.joinSame || open.kind !== kind) throw await busy(deps.db, instanceId);
    started = { operationId: open.id, isNew: false };
  }
  // A joined operation is handed over again too: its first hand-over may have been lost, and a
  // taskmanager already running it ignores the repeat.
  await deps.runOperation(started.operationId);
  return started;
}

function openOperation(
  db: Kysely<Database> | Transaction<Database>,
  instanceId: string,
): Promise<{ id: string; kind: string } | undefined> {
  return db
    .selectFrom('operations')
    .select(['id', 'kind'])
    .where('instance_id', '=', instanceId)
    .where('status', 'in', openOperationStatuses)
    .executeTakeFirst();
}

async function busy(
  db: Kysely<Database> | Transaction<Database>,
  instanceId: string,
): Promise<CellarError> {
  const row = await db
    .selectFrom('instances')
    .select('task_status')
    .where('id', '=', instanceId)
    .executeTakeFirst();
  return new InstanceBusy({ id: instanceId, taskStatus: row?.task_status ?? 'unknown' });
}

/**
 * Whether a write failed on the index that keeps one open operation per instance: SQLite names
 * the indexed column, PostgreSQL the index (SQLSTATE 23505, unique_violation).
 */
export function isOpenOperationConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, constraint } = error as {
    code?: unknown;
    message?: unknown;
    constraint?: unknown;
  };
  if (code === '23505') return constraint === 'operations_one_open';
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes('operations.instance_id')
  );
}
