// The taskmanager runs every long operation (create, delete, restart) as a durable sequence of
// steps: each step's start, end and outcome are written as they happen, a failure leaves a
// reason code and a message on the instance, and on start it resumes every open operation, so
// no instance stays in a transitional state because a process died.

import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { asCellarError, type CellarError } from '@cellar/plugin-api';
import { GuestClient, method, serve, type Listener } from '@cellar/rpc';
import { now, type OperationStep } from '../db/schema.js';
import type { TaskStatus } from '../instances/states.js';
import { unseal } from '../secrets.js';
import { rewindLostServer } from './create-steps.js';
import { adoptGuests, watchGuests } from './guest-watch.js';
import { Operations, type Timeline } from './operations.js';
import { plans, stepOf } from './plans.js';
import type { StepContext, TaskManagerDeps } from './step-context.js';
import { GuestWaits } from './wait-for-guest.js';

export type { CreateRequest } from './create-request.js';
export { stepsOf } from './plans.js';
export type { DatastoreSettings, TaskManagerDeps } from './step-context.js';

export const TASKMANAGER_TOPIC = 'taskmanager';

export class TaskManager {
  readonly operations: Operations;
  readonly #running = new Set<string>();
  readonly #waits = new GuestWaits();

  constructor(private readonly deps: TaskManagerDeps) {
    this.operations = new Operations(deps.db, deps.controlKey);
  }

  serve(): Promise<Listener> {
    return serve({
      transport: this.deps.transport,
      topic: TASKMANAGER_TOPIC,
      keyFor: (request) => (request.instance === undefined ? this.deps.controlKey : undefined),
      methods: {
        run_operation: method(Type.Object({ operation_id: Type.String() }), async (args) => {
          void this.run(args.operation_id);
        }),
      },
    });
  }

  /** A heartbeat of this instance was recorded: look at its status now rather than at the next poll. */
  wake(instanceId: string): void {
    this.#waits.wake(instanceId);
  }

  /** Resumes every operation a previous taskmanager left open; the steps are safe to repeat. */
  async resume(): Promise<void> {
    await this.operations.eraseEndedSecrets();
    const open = await this.operations.open();
    if (open.length > 0)
      this.deps.log.info({ operations: open.map((o) => o.id) }, 'resuming open operations');
    await Promise.all(open.map((op) => this.run(op.id)));
  }

  async run(operationId: string): Promise<void> {
    if (this.#running.has(operationId)) return;
    this.#running.add(operationId);
    try {
      await this.#run(operationId);
    } catch (error) {
      this.deps.log.error({ err: error, operation: operationId }, 'operation crashed');
    } finally {
      this.#running.delete(operationId);
    }
  }

  /** Hands the guests of live instances back to the compute driver after a restart. */
  adoptGuests(): Promise<void> {
    return adoptGuests(this.deps);
  }

  /** Has the compute driver start again, every `seconds`, the guests that died; returns what stops it. */
  watchGuests(seconds: number): () => Promise<void> {
    return watchGuests(this.deps, seconds);
  }

  async #run(operationId: string): Promise<void> {
    const timeline = await this.operations.get(operationId);
    const status = timeline?.operation.status;
    if (!timeline || status === 'succeeded' || status === 'failed') return;
    const ctx = await this.#contextOf(timeline);
    const { operation, instance } = ctx;
    const plan = plans[operation.kind];
    await this.operations.started(operation.id);
    await this.#setTask(instance.id, plan.running);
    const steps =
      operation.kind === 'create' ? await rewindLostServer(ctx, timeline.steps) : timeline.steps;
    for (const step of steps) {
      if (step.status === 'succeeded' || step.status === 'skipped') continue;
      if (!(await this.#runStep(ctx, step))) return;
    }
    await this.operations.ended(operation.id, 'succeeded');
    if (operation.kind !== 'delete') await this.#setTask(instance.id, 'NONE');
    this.deps.log.info(
      { operation: operation.id, instance: instance.id, kind: operation.kind },
      'operation succeeded',
    );
  }

  /** Runs one step and records how it ended; false when it failed the operation. */
  async #runStep(ctx: StepContext, step: OperationStep): Promise<boolean> {
    const { operation } = ctx;
    await this.operations.stepStarted(operation.id, step.seq);
    try {
      const outcome = await stepOf(operation.kind, step.name).run(ctx);
      await this.operations.stepEnded(operation.id, step.seq, outcome);
      return true;
    } catch (error) {
      const reason = asCellarError(error);
      await this.operations.stepEnded(operation.id, step.seq, 'failed', reason);
      await this.#fail(ctx, reason);
      return false;
    }
  }

  /** The instance, datastore and guest an operation works on. */
  async #contextOf({ operation }: Timeline): Promise<StepContext> {
    const instance = await this.deps.db
      .selectFrom('instances')
      .selectAll()
      .where('id', '=', operation.instance_id)
      .executeTakeFirstOrThrow();
    const version = await this.deps.db
      .selectFrom('datastore_versions')
      .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
      .select(['datastores.name as datastore', 'datastore_versions.name as version'])
      .where('datastore_versions.id', '=', instance.datastore_version_id)
      .executeTakeFirstOrThrow();
    const instanceKey = unseal(this.deps.controlKey, instance.rpc_key);
    return {
      deps: this.deps,
      waits: this.#waits,
      operation,
      instance,
      datastore: version.datastore,
      version: version.version,
      guest: new GuestClient(
        this.deps.transport,
        instance.id,
        instanceKey,
        this.deps.guestTimeouts,
      ),
      context: { requestId: operation.id, projectId: instance.tenant_id },
    };
  }

  async #fail(ctx: StepContext, reason: CellarError): Promise<void> {
    const { operation, instance } = ctx;
    await this.operations.ended(operation.id, 'failed', reason);
    await this.#setTask(instance.id, plans[operation.kind].failed);
    await this.deps.db
      .insertInto('instance_faults')
      .values({
        id: randomUUID(),
        instance_id: instance.id,
        code: reason.code,
        message: reason.message,
        details: JSON.stringify({ operation: operation.id }),
        created_at: now(),
      })
      .execute();
    this.deps.log.warn(
      {
        operation: operation.id,
        instance: instance.id,
        kind: operation.kind,
        code: reason.code,
        reason: reason.message,
      },
      'operation failed',
    );
  }

  async #setTask(instanceId: string, task: TaskStatus): Promise<void> {
    await this.deps.db
      .updateTable('instances')
      .set({ task_status: task, updated_at: now() })
      .where('id', '=', instanceId)
      .execute();
  }
}
