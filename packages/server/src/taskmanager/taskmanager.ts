// The taskmanager runs every long operation (create, delete, restart) as a durable sequence of
// steps: each step's start, end and outcome are written as they happen, a failure leaves a
// reason code and a message on the instance. It claims each operation before running it, so
// several taskmanagers on one control database never run one twice, and it takes over those whose
// claim lapsed (a taskmanager died) or that nobody took, so no instance stays in a transitional state.

import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { asCellarError, OperationInterrupted, type CellarError } from '@cellar/plugin-api';
import { GuestClient, method, serve, type Listener } from '@cellar/rpc';
import { now, type OperationStep } from '../db/schema.js';
import type { StepOutcome, TaskStatus } from '../instances/states.js';
import { unseal } from '../secrets.js';
import { failOperationBackup } from './backup-failure.js';
import { rewindLostServer } from './create-steps.js';
import { adoptGuests, watchGuests } from './guest-watch.js';
import { LeftoversSweeper } from './leftovers-sweeper.js';
import { OperationLeases } from './operation-leases.js';
import { Operations, type Timeline } from './operations.js';
import { plans, stepOf } from './plans.js';
import { watchFailover } from '../replication/failover-monitor.js';
import type { StepContext, TaskManagerDeps } from './step-context.js';
import { GuestWaits } from './wait-for-guest.js';

export type { CreateRequest } from './create-request.js';
export { stepsOf } from './plans.js';
export type { DatastoreSettings, TaskManagerDeps } from './step-context.js';

export const TASKMANAGER_TOPIC = 'taskmanager';

export class TaskManager {
  readonly operations: Operations;
  readonly #leases: OperationLeases;
  readonly #running = new Map<string, { held(): boolean; stop(): void }>();
  readonly #waits = new GuestWaits();
  readonly leftovers: LeftoversSweeper;

  constructor(private readonly deps: TaskManagerDeps) {
    const owner = deps.owner ?? randomUUID();
    this.operations = new Operations(deps.db, deps.controlKey, owner);
    this.#leases = new OperationLeases(deps.db, owner, deps.leaseSeconds ?? 60);
    this.leftovers = new LeftoversSweeper(deps, owner);
  }

  /**
   * Serves the taskmanager topic and, until the listener closes, watches for operations to take;
   * closing it lets go of the operations this taskmanager holds.
   */
  async serve(): Promise<Listener> {
    const listener = await serve({
      transport: this.deps.transport,
      topic: TASKMANAGER_TOPIC,
      keyFor: (request) => (request.instance === undefined ? this.deps.controlKey : undefined),
      methods: {
        run_operation: method(Type.Object({ operation_id: Type.String() }), async (args) => {
          void this.run(args.operation_id);
        }),
      },
    });
    const stopWatching = this.watchOperations();
    return {
      close: async () => {
        await stopWatching();
        await listener.close();
        // A taskmanager that stops (rather than dies) hands its operations on without a wait.
        this.abandon();
        await this.#leases.releaseAll();
      },
    };
  }

  /**
   * Every third of `unclaimedSeconds` (default 30), runs the open operations nobody runs: those
   * whose lease expired, and those no taskmanager claimed within `unclaimedSeconds` (the hand-over
   * cast was lost). Returns what stops it.
   */
  watchOperations(unclaimedSeconds = this.deps.unclaimedSeconds ?? 30): () => Promise<void> {
    let round: Promise<void> | undefined;
    const timer = setInterval(
      () => {
        round ??= (async () => {
          try {
            const before = new Date(Date.now() - unclaimedSeconds * 1000).toISOString();
            for (const op of await this.#leases.takeable(before)) void this.run(op.id);
          } catch (error) {
            this.deps.log.warn({ err: error }, 'the open operations could not be checked');
          } finally {
            round = undefined;
          }
        })();
      },
      (unclaimedSeconds * 1000) / 3,
    );
    timer.unref();
    return async () => {
      clearInterval(timer);
      await round;
    };
  }

  /** Stops renewing the claims of the operations this taskmanager runs, as its death would. */
  abandon(): void {
    for (const lease of this.#running.values()) lease.stop();
  }

  /** A heartbeat of this instance was recorded: look at its status now rather than at the next poll. */
  wake(instanceId: string): void {
    this.#waits.wake(instanceId);
  }

  /**
   * Resumes the open operations no live taskmanager holds (never claimed, or their lease
   * expired); the steps are safe to repeat.
   */
  async resume(): Promise<void> {
    await this.operations.eraseEndedSecrets();
    const open = await this.#leases.takeable();
    if (open.length > 0)
      this.deps.log.info({ operations: open.map((o) => o.id) }, 'resuming open operations');
    await Promise.all(open.map((op) => this.run(op.id)));
  }

  /** Runs the operation unless this or another taskmanager already does. */
  async run(operationId: string): Promise<void> {
    if (this.#running.has(operationId)) return;
    const lease = this.#leases.keep(operationId);
    this.#running.set(operationId, lease);
    try {
      if (await this.#leases.claim(operationId)) await this.#run(operationId, () => lease.held());
    } catch (error) {
      await this.#crashed(operationId, error);
    } finally {
      lease.stop();
      this.#running.delete(operationId);
    }
  }

  /** An operation that threw outside its steps ends as interrupted rather than staying open. */
  async #crashed(operationId: string, error: unknown): Promise<void> {
    this.deps.log.error({ err: error, operation: operationId }, 'operation crashed');
    try {
      const timeline = await this.operations.get(operationId);
      if (!timeline) return;
      const { operation, steps } = timeline;
      const reason = new OperationInterrupted({
        kind: operation.kind,
        instance: operation.instance_id,
        step: steps.find((st) => st.status === 'running')?.name ?? 'none',
        reason: `the taskmanager failed: ${asCellarError(error).message}`,
      });
      if (await this.operations.ended(operationId, 'failed', reason)) {
        await this.#setTask(operation.instance_id, plans[operation.kind].failed);
        await failOperationBackup(this.deps, operation, reason);
      }
    } catch (failure) {
      // Its lease lapses; the watch of a taskmanager takes it over then.
      this.deps.log.error(
        { err: failure, operation: operationId },
        'the crashed operation could not be ended; it is taken over when its lease expires',
      );
    }
  }

  /** A stop because the operation was reset or taken over: nothing more is written for it. */
  #lost(operationId: string): void {
    this.deps.log.warn(
      { operation: operationId },
      'operation no longer held by this taskmanager (reset or taken over); stopping it',
    );
  }

  /** Hands the guests of live instances back to the compute driver after a restart. */
  adoptGuests(): Promise<void> {
    return adoptGuests(this.deps);
  }

  /**
   * Removes, now and every `seconds`, what failed backups left in a storage that could not take
   * their removal then, and finishes refused deletes; returns what stops it.
   */
  watchLeftovers(seconds: number): () => Promise<void> {
    return this.leftovers.watch(seconds);
  }

  /** With [DEFAULT] automatic_failover: ejects silent replica sources (replication/); returns what stops it. */
  watchFailover(): () => Promise<void> {
    return watchFailover(this.deps, (id) => this.run(id));
  }

  /** Has the compute driver start again, every `seconds`, the guests that died; returns what stops it. */
  watchGuests(seconds: number): () => Promise<void> {
    return watchGuests(this.deps, seconds);
  }

  async #run(operationId: string, held: () => boolean): Promise<void> {
    const timeline = await this.operations.get(operationId);
    const status = timeline?.operation.status;
    if (!timeline || status === 'succeeded' || status === 'failed') return;
    const ctx = await this.#contextOf(timeline);
    const { operation, instance } = ctx;
    const plan = plans[operation.kind];
    if (!(await this.operations.started(operation.id))) return this.#lost(operation.id);
    await this.#setTask(instance.id, plan.running);
    const steps =
      operation.kind === 'create' || operation.kind === 'create_replica'
        ? await rewindLostServer(ctx, timeline.steps)
        : timeline.steps;
    for (const step of steps) {
      if (step.status === 'succeeded' || step.status === 'skipped') continue;
      // Checked before each step: an administrator's reset or a peer's takeover stops it here.
      if (!held() || !(await this.#leases.renew(operation.id))) return this.#lost(operation.id);
      if (!(await this.#runStep(ctx, step))) return;
    }
    if (!(await this.operations.ended(operation.id, 'succeeded'))) return this.#lost(operation.id);
    if (operation.kind !== 'delete') await this.#setTask(instance.id, 'NONE');
    this.deps.log.info(
      { operation: operation.id, instance: instance.id, kind: operation.kind },
      'operation succeeded',
    );
  }

  /** Runs one step and records how it ended; false when it failed the operation. */
  async #runStep(ctx: StepContext, step: OperationStep): Promise<boolean> {
    const { operation } = ctx;
    if (!(await this.operations.stepStarted(operation.id, step.seq))) {
      this.#lost(operation.id);
      return false;
    }
    let outcome: StepOutcome;
    try {
      outcome = await stepOf(operation.kind, step.name).run(ctx);
    } catch (error) {
      const reason = asCellarError(error);
      if (await this.operations.stepEnded(operation.id, step.seq, 'failed', reason))
        await this.#fail(ctx, reason);
      else this.#lost(operation.id);
      return false;
    }
    if (await this.operations.stepEnded(operation.id, step.seq, outcome)) return true;
    this.#lost(operation.id);
    return false;
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
    if (!(await this.operations.ended(operation.id, 'failed', reason)))
      return this.#lost(operation.id);
    await this.#setTask(instance.id, plans[operation.kind].failed);
    if (!plans[operation.kind].faultsInstance) return this.#failed(ctx, reason);
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
    this.#failed(ctx, reason);
  }

  #failed({ operation, instance }: StepContext, reason: CellarError): void {
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
