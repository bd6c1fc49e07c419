// What the replication steps share: a guest client for any instance of a replication set, the
// set's records (replicas table), task statuses set on several instances, and a step's detail.

import type { Kysely } from 'kysely';
import { GuestClient } from '@cellar/rpc';
import { now, type Database, type Instance } from '../db/schema.js';
import type { TaskStatus } from '../instances/states.js';
import { unseal } from '../secrets.js';
import type { StepContext, TaskManagerDeps } from '../taskmanager/step-context.js';

export function guestOf(deps: TaskManagerDeps, instance: Pick<Instance, 'id' | 'rpc_key'>) {
  return new GuestClient(
    deps.transport,
    instance.id,
    unseal(deps.controlKey, instance.rpc_key),
    deps.guestTimeouts,
  );
}

export function instanceRow(db: Kysely<Database>, id: string): Promise<Instance> {
  return db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The source a replica follows, or undefined for any other instance. */
export async function sourceIdOf(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('replicas')
    .select('source_id')
    .where('instance_id', '=', id)
    .executeTakeFirst();
  return row?.source_id;
}

/** The live replicas of a source, oldest first. */
export async function replicaRows(db: Kysely<Database>, sourceId: string): Promise<Instance[]> {
  return db
    .selectFrom('instances')
    .innerJoin('replicas', 'replicas.instance_id', 'instances.id')
    .selectAll('instances')
    .where('replicas.source_id', '=', sourceId)
    .where('instances.deleted_at', 'is', null)
    .orderBy('instances.created_at')
    .execute();
}

export async function setTask(
  db: Kysely<Database>,
  ids: readonly string[],
  task: TaskStatus,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('instances')
    .set({ task_status: task, updated_at: now() })
    .where('id', 'in', ids)
    .execute();
}

/** Keeps what a step found in its timeline entry (shown as the step's `detail`). */
export async function recordDetail(
  ctx: StepContext,
  step: string,
  detail: Readonly<Record<string, unknown>>,
): Promise<void> {
  await ctx.deps.db
    .updateTable('operation_steps')
    .set({ detail: JSON.stringify(detail) })
    .where('operation_id', '=', ctx.operation.id)
    .where('name', '=', step)
    .execute();
}

/** The operation's request as recorded (JSON), for the steps that read it. */
export function requestOf(ctx: StepContext): Readonly<Record<string, unknown>> {
  const value: unknown = JSON.parse(ctx.operation.request);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
