// Durable operations: every mutating request is an operation with ordered steps, and each
// step's start, end and outcome are written as they happen, so a restarted taskmanager knows
// exactly where each open operation stopped and a user can see it in the instance detail. What it
// must keep secret to resume (a create's passwords) is sealed apart and erased when it ends.

import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { CellarError } from '@cellar/plugin-api';
import { now, type Database, type Operation, type OperationStep } from '../db/schema.js';
import {
  openOperationStatuses,
  type OperationKind,
  type OperationStatus,
  type StepStatus,
} from '../instances/states.js';
import { storeCreateRequest, withoutLegacyPasswords } from './create-request.js';

export type { OperationKind } from '../instances/states.js';

const endedStatuses: readonly OperationStatus[] = ['succeeded', 'failed'];

export interface Timeline {
  readonly operation: Operation;
  readonly steps: readonly OperationStep[];
}

export class Operations {
  constructor(
    private readonly db: Kysely<Database>,
    /** Seals the secrets an operation keeps until it ends. */
    private readonly controlKey: string,
    /**
     * The taskmanager that claimed the operations it writes: each write then lands only while
     * the operation is open and still its own (not reset by an administrator, not taken over).
     */
    private readonly holder?: string,
  ) {}

  /** The operation is open and, when this writes for a taskmanager, held by it. */
  #held(id: string) {
    return (eb: ExpressionBuilder<Database, 'operations'>) =>
      eb.and([
        eb('operations.id', '=', id),
        eb('operations.status', 'in', openOperationStatuses),
        ...(this.holder === undefined ? [] : [eb('operations.claimed_by', '=', this.holder)]),
      ]);
  }

  /**
   * Records a new operation with its steps, inside the caller's transaction; a create's passwords
   * are sealed apart from its other arguments.
   */
  async create(
    trx: Transaction<Database>,
    instanceId: string,
    kind: OperationKind,
    request: object,
    steps: readonly string[],
  ): Promise<string> {
    const id = randomUUID();
    const at = now();
    const stored =
      kind === 'create'
        ? storeCreateRequest(this.controlKey, request)
        : { request: JSON.stringify(request), secrets: null };
    await trx
      .insertInto('operations')
      .values({
        id,
        instance_id: instanceId,
        kind,
        status: 'pending',
        request: stored.request,
        secrets: stored.secrets,
        error_code: null,
        error_message: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await trx
      .insertInto('operation_steps')
      .values(
        steps.map((name, seq) => ({
          operation_id: id,
          seq,
          name,
          status: 'pending',
          started_at: null,
          ended_at: null,
          error_code: null,
          error_message: null,
        })),
      )
      .execute();
    return id;
  }

  get(id: string): Promise<Timeline | undefined> {
    return operationTimeline(this.db, id);
  }

  /** The newest operation of each of these instances, with its steps: three queries for a whole page. */
  async latestFor(instanceIds: readonly string[]): Promise<Map<string, Timeline>> {
    const timelines = new Map<string, Timeline>();
    if (instanceIds.length === 0) return timelines;
    const ops = await this.db
      .selectFrom('operations')
      .selectAll()
      .where('instance_id', 'in', instanceIds)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const newest = new Map<string, Operation>();
    for (const op of ops) if (!newest.has(op.instance_id)) newest.set(op.instance_id, op);
    const ids = [...newest.values()].map((o) => o.id);
    const steps =
      ids.length === 0
        ? []
        : await this.db
            .selectFrom('operation_steps')
            .selectAll()
            .where('operation_id', 'in', ids)
            .orderBy('seq')
            .execute();
    for (const [instanceId, operation] of newest)
      timelines.set(instanceId, {
        operation,
        steps: steps.filter((st) => st.operation_id === operation.id),
      });
    return timelines;
  }

  /** Marks it running; false when it is no longer open or no longer this taskmanager's. */
  async started(id: string): Promise<boolean> {
    const written = await this.db
      .updateTable('operations')
      .set({ status: 'running', updated_at: now() })
      .where(this.#held(id))
      .executeTakeFirst();
    return Number(written.numUpdatedRows) > 0;
  }

  /**
   * Records the outcome and erases the secrets: nothing needs them once the operation is over.
   * False when it was no longer open or no longer this taskmanager's: nothing is written then.
   */
  async ended(id: string, status: 'succeeded' | 'failed', error?: CellarError): Promise<boolean> {
    const row = await this.db
      .selectFrom('operations')
      .select('request')
      .where('id', '=', id)
      .executeTakeFirst();
    const request = row === undefined ? undefined : withoutLegacyPasswords(row.request);
    const written = await this.db
      .updateTable('operations')
      .set({
        status,
        secrets: null,
        claimed_by: null,
        lease_until: null,
        updated_at: now(),
        ...(request === undefined ? {} : { request }),
        ...(error ? { error_code: error.code, error_message: error.message } : {}),
      })
      .where(this.#held(id))
      .executeTakeFirst();
    return Number(written.numUpdatedRows) > 0;
  }

  /** Erases what ended operations still hold: those ended outside a taskmanager (reset_status). */
  async eraseEndedSecrets(): Promise<void> {
    await this.db
      .updateTable('operations')
      .set({ secrets: null })
      .where('status', 'in', endedStatuses)
      .where('secrets', 'is not', null)
      .execute();
  }

  /** Marks a step running; false (nothing written) as for `started`. */
  async stepStarted(id: string, seq: number): Promise<boolean> {
    const written = await this.db
      .updateTable('operation_steps')
      .set({
        status: 'running',
        started_at: now(),
        ended_at: null,
        error_code: null,
        error_message: null,
      })
      .where('operation_id', '=', id)
      .where('seq', '=', seq)
      .where((eb) => eb.exists(eb.selectFrom('operations').select('id').where(this.#held(id))))
      .executeTakeFirst();
    return Number(written.numUpdatedRows) > 0;
  }

  async stepEnded(
    id: string,
    seq: number,
    outcome: Exclude<StepStatus, 'pending' | 'running'>,
    error?: CellarError,
  ): Promise<boolean> {
    const written = await this.db
      .updateTable('operation_steps')
      .set({
        status: outcome,
        ended_at: now(),
        ...(error ? { error_code: error.code, error_message: error.message } : {}),
      })
      .where('operation_id', '=', id)
      .where('seq', '=', seq)
      .where((eb) => eb.exists(eb.selectFrom('operations').select('id').where(this.#held(id))))
      .executeTakeFirst();
    return Number(written.numUpdatedRows) > 0;
  }
}

/** One operation with its steps in order; undefined when there is no such operation. */
export async function operationTimeline(
  db: Kysely<Database>,
  id: string,
): Promise<Timeline | undefined> {
  const operation = await db
    .selectFrom('operations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!operation) return undefined;
  const steps = await db
    .selectFrom('operation_steps')
    .selectAll()
    .where('operation_id', '=', id)
    .orderBy('seq')
    .execute();
  return { operation, steps };
}
