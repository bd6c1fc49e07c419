// The taskmanager runs every long operation (create, delete, restart) as a durable sequence of
// steps: each step's start, end and outcome are written as they happen, a failure leaves a
// reason code and a message on the instance, and on start it resumes every open operation, so
// no instance stays in a transitional state because a process died.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import {
  asCellarError,
  fromWire,
  GuestPrepareFailed,
  GuestTimeout,
  type CellarError,
  type DatabaseSpec,
  type PortRange,
  type UserSpec,
} from '@cellar/plugin-api';
import {
  GuestClient,
  method,
  serve,
  type Listener,
  type RequestContext,
  type Transport,
} from '@cellar/rpc';
import {
  now,
  type Database,
  type Instance,
  type Operation,
  type OperationStep,
} from '../db/schema.js';
import type { ComputeDriver, GuestDown, InjectedGuest } from '../drivers/compute/compute-driver.js';
import { securityRules } from '../instances/security-rules.js';
import type { Quotas } from '../quotas/quotas.js';
import { unseal } from '../secrets.js';
import { Operations, type OperationKind } from './operations.js';

export const TASKMANAGER_TOPIC = 'taskmanager';

/** What the API records in a create operation; secrets in it are sealed with the control key. */
export interface CreateRequest {
  readonly databases: readonly DatabaseSpec[];
  readonly users: readonly (UserSpec & { readonly password: string })[];
  readonly sealedRootPassword?: string;
}

export interface DatastoreSettings {
  readonly usageTimeout: number;
  readonly tcpPorts: readonly PortRange[];
  readonly udpPorts: readonly PortRange[];
}

export interface TaskManagerDeps {
  readonly db: Kysely<Database>;
  readonly compute: ComputeDriver;
  readonly transport: Transport;
  readonly controlKey: string;
  readonly quotas: Quotas;
  readonly datastoreSettings: (datastore: string) => DatastoreSettings;
  readonly guestTimeouts: { readonly low: number; readonly high: number };
  readonly log: {
    info(f: Record<string, unknown>, m: string): void;
    warn(f: Record<string, unknown>, m: string): void;
    error(f: Record<string, unknown>, m: string): void;
  };
  /** Seconds between service-status polls while waiting for a guest. */
  readonly pollInterval?: number;
}

interface StepContext {
  readonly operation: Operation;
  readonly instance: Instance;
  readonly datastore: string;
  readonly version: string;
  readonly guest: GuestClient;
  readonly context: RequestContext;
}

type Step = (ctx: StepContext) => Promise<'succeeded' | 'skipped'>;

export const stepsOf: Readonly<Record<OperationKind, readonly string[]>> = {
  create: ['network', 'volume', 'server', 'prepare', 'wait-for-guest'],
  delete: ['stop-database', 'server', 'records'],
  restart: ['restart-database', 'wait-for-guest'],
};

/** The task status an instance shows while an operation of this kind runs, and when it fails. */
const taskOf: Readonly<
  Record<OperationKind, { readonly running: string; readonly failed: string }>
> = {
  create: { running: 'BUILDING', failed: 'BUILD_ERROR' },
  delete: { running: 'DELETING', failed: 'DELETE_ERROR' },
  restart: { running: 'REBOOTING', failed: 'RESTART_ERROR' },
};

export class TaskManager {
  readonly operations: Operations;
  readonly #running = new Set<string>();
  /** Waits for a guest's status, woken by a heartbeat recorded in this process. */
  readonly #waiting = new Map<string, () => void>();

  constructor(private readonly deps: TaskManagerDeps) {
    this.operations = new Operations(deps.db);
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
    this.#waiting.get(instanceId)?.();
  }

  /** Resumes every operation a previous taskmanager left open; the steps are safe to repeat. */
  async resume(): Promise<void> {
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

  async #run(operationId: string): Promise<void> {
    const timeline = await this.operations.get(operationId);
    if (!timeline || ['succeeded', 'failed'].includes(timeline.operation.status)) return;
    const { operation } = timeline;
    const kind = operation.kind as OperationKind;
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
    const ctx: StepContext = {
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
    await this.operations.setStatus(operation.id, 'running');
    await this.#setTask(instance.id, taskOf[kind].running);
    const steps =
      kind === 'create'
        ? await this.#rewindLostServer(operation, instance.id, timeline.steps)
        : timeline.steps;
    for (const step of steps) {
      if (step.status === 'succeeded' || step.status === 'skipped') continue;
      await this.operations.stepStarted(operation.id, step.seq);
      try {
        const outcome = await this.#steps(kind, step.name)(ctx);
        await this.operations.stepEnded(operation.id, step.seq, outcome);
      } catch (error) {
        const reason = asCellarError(error);
        await this.operations.stepEnded(operation.id, step.seq, 'failed', reason);
        await this.#fail(ctx, kind, reason);
        return;
      }
    }
    await this.operations.setStatus(operation.id, 'succeeded');
    if (kind !== 'delete') await this.#setTask(instance.id, 'NONE');
    this.deps.log.info(
      { operation: operation.id, instance: instance.id, kind },
      'operation succeeded',
    );
  }

  /**
   * A resumed create whose server is gone or not running (its guest died with the process that
   * ran it, or with the machine) starts again from the server step, instead of waiting for a
   * guest that will never report; the driver starts the guest again where the server is left.
   */
  async #rewindLostServer(
    operation: Operation,
    instanceId: string,
    steps: readonly OperationStep[],
  ): Promise<readonly OperationStep[]> {
    const server = steps.find((st) => st.name === 'server');
    const unfinished = steps.some((st) => st.status === 'pending' || st.status === 'running');
    if (
      !server ||
      server.status !== 'succeeded' ||
      !unfinished ||
      (await this.deps.compute.getServer(instanceId))?.status === 'ACTIVE'
    )
      return steps;
    this.deps.log.warn(
      { operation: operation.id, instance: instanceId },
      'the server of a resumed create is gone; creating it again',
    );
    return steps.map((st) => (st.seq >= server.seq ? { ...st, status: 'pending' } : st));
  }

  async #fail(ctx: StepContext, kind: OperationKind, reason: CellarError): Promise<void> {
    await this.operations.setStatus(ctx.operation.id, 'failed', reason);
    await this.#setTask(ctx.instance.id, taskOf[kind].failed);
    await this.deps.db
      .insertInto('instance_faults')
      .values({
        id: randomUUID(),
        instance_id: ctx.instance.id,
        code: reason.code,
        message: reason.message,
        details: JSON.stringify({ operation: ctx.operation.id }),
        created_at: now(),
      })
      .execute();
    this.deps.log.warn(
      {
        operation: ctx.operation.id,
        instance: ctx.instance.id,
        kind,
        code: reason.code,
        reason: reason.message,
      },
      'operation failed',
    );
  }

  async #setTask(instanceId: string, task: string): Promise<void> {
    await this.deps.db
      .updateTable('instances')
      .set({ task_status: task, updated_at: now() })
      .where('id', '=', instanceId)
      .execute();
  }

  #injected(ctx: StepContext): InjectedGuest {
    return this.#guestOf({
      id: ctx.instance.id,
      name: ctx.instance.name,
      datastore: ctx.datastore,
      version: ctx.version,
      rpc_key: ctx.instance.rpc_key,
    });
  }

  #guestOf(i: {
    id: string;
    name: string;
    datastore: string;
    version: string;
    rpc_key: string;
  }): InjectedGuest {
    // A range is probed port by port; a few suffice to find an address the datastore can use.
    const tcpPorts = this.deps
      .datastoreSettings(i.datastore)
      .tcpPorts.flatMap((r) =>
        Array.from({ length: Math.min(r.to - r.from + 1, 16) }, (_, k) => r.from + k),
      );
    return {
      instanceId: i.id,
      name: i.name,
      datastore: i.datastore,
      datastoreVersion: i.version,
      instanceKey: unseal(this.deps.controlKey, i.rpc_key),
      tcpPorts,
    };
  }

  /** Waits for the guest to report a healthy server, up to the datastore's usage_timeout from the operation's start. */
  async #waitForGuest(ctx: StepContext): Promise<'succeeded'> {
    const timeout = this.deps.datastoreSettings(ctx.datastore).usageTimeout;
    const deadline = Date.parse(ctx.operation.created_at) + timeout * 1000;
    const poll = (this.deps.pollInterval ?? 0.2) * 1000;
    for (;;) {
      const status = await this.deps.db
        .selectFrom('service_statuses')
        .select(['status', 'updated_at'])
        .where('instance_id', '=', ctx.instance.id)
        .executeTakeFirst();
      const fresh = status !== undefined && status.updated_at >= ctx.operation.created_at;
      if (fresh && (status.status === 'healthy' || status.status === 'running')) return 'succeeded';
      if (fresh && status.status === 'failed to spawn') {
        const fault = await this.deps.db
          .selectFrom('instance_faults')
          .select(['code', 'message'])
          .where('instance_id', '=', ctx.instance.id)
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        // A guest that said it in the catalog's words is passed on as it said it, not wrapped again.
        if (fault?.code === GuestPrepareFailed.spec.code)
          throw fromWire({
            code: fault.code,
            status: 500,
            fault: '',
            message: fault.message,
            details: {},
          });
        throw new GuestPrepareFailed({
          datastore: ctx.datastore,
          instance: ctx.instance.id,
          reason: fault?.message ?? 'the guest gave no reason',
        });
      }
      if (Date.now() > deadline)
        throw new GuestTimeout({
          instance: ctx.instance.id,
          operation: 'prepare',
          seconds: timeout,
        });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, poll);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#waiting.set(ctx.instance.id, done);
      });
      this.#waiting.delete(ctx.instance.id);
    }
  }

  #steps(kind: OperationKind, name: string): Step {
    const steps: Record<string, Step> = {
      'create/network': async (ctx) => {
        const settings = this.deps.datastoreSettings(ctx.datastore);
        const access = JSON.parse(ctx.instance.access) as { allowed_cidrs?: string[] };
        const rules = securityRules(settings.tcpPorts, settings.udpPorts, access.allowed_cidrs);
        await this.deps.db
          .updateTable('instances')
          .set({ security_rules: JSON.stringify(rules) })
          .where('id', '=', ctx.instance.id)
          .execute();
        return 'succeeded';
      },
      // The local and simulated drivers keep data in the instance's own directory; the size is recorded.
      'create/volume': async () => 'succeeded',
      'create/server': async (ctx) => {
        const server = await this.deps.compute.createServer(this.#injected(ctx));
        await this.deps.db
          .updateTable('instances')
          .set({ address: server.address, server_status: server.status, updated_at: now() })
          .where('id', '=', ctx.instance.id)
          .execute();
        return 'succeeded';
      },
      'create/prepare': async (ctx) => {
        const request = JSON.parse(ctx.operation.request) as CreateRequest;
        const flavor = await this.deps.db
          .selectFrom('flavors')
          .select('ram')
          .where('id', '=', ctx.instance.flavor_id)
          .executeTakeFirstOrThrow();
        const access = JSON.parse(ctx.instance.access) as { allowed_cidrs?: string[] };
        await ctx.guest.prepare(
          {
            memoryMb: flavor.ram,
            databases: request.databases,
            users: request.users,
            datastoreVersion: ctx.version,
            allowedCidrs: access.allowed_cidrs ?? [],
            ...(request.sealedRootPassword === undefined
              ? {}
              : { rootPassword: unseal(this.deps.controlKey, request.sealedRootPassword) }),
          },
          ctx.context,
        );
        return 'succeeded';
      },
      'create/wait-for-guest': (ctx) => this.#waitForGuest(ctx),
      'delete/stop-database': async (ctx) => {
        // Without a running guest nobody can stop the database; removing the server ends it.
        if ((await this.deps.compute.getServer(ctx.instance.id))?.status !== 'ACTIVE')
          return 'skipped';
        try {
          await ctx.guest.stopDb(ctx.context);
          return 'succeeded';
        } catch (error) {
          // A dead guest cannot stop its database; removing the server ends both.
          this.deps.log.warn(
            { instance: ctx.instance.id, err: error },
            'the guest did not stop its database; removing the server anyway',
          );
          return 'skipped';
        }
      },
      'delete/server': async (ctx) => {
        await this.deps.compute.deleteServer(ctx.instance.id);
        return 'succeeded';
      },
      'delete/records': async (ctx) => {
        const flavor = await this.deps.db
          .selectFrom('flavors')
          .select('ram')
          .where('id', '=', ctx.instance.flavor_id)
          .executeTakeFirst();
        await this.deps.db.transaction().execute(async (trx) => {
          const marked = await trx
            .updateTable('instances')
            .set({
              deleted_at: now(),
              task_status: 'NONE',
              server_status: 'DELETED',
              updated_at: now(),
            })
            .where('id', '=', ctx.instance.id)
            .where('deleted_at', 'is', null)
            .executeTakeFirst();
          // Released once, even when this step runs again after a restart.
          if (Number(marked.numUpdatedRows) > 0) {
            await this.deps.quotas.release(trx, ctx.instance.tenant_id, {
              instances: 1,
              ram: flavor?.ram ?? 0,
              volumes: ctx.instance.volume_size ?? 0,
            });
          }
        });
        return 'succeeded';
      },
      'restart/restart-database': async (ctx) => {
        await this.deps.db
          .updateTable('service_statuses')
          .set({ status: 'restarting', updated_at: now() })
          .where('instance_id', '=', ctx.instance.id)
          .execute();
        await ctx.guest.restart(ctx.context);
        return 'succeeded';
      },
      'restart/wait-for-guest': (ctx) => this.#waitForGuest(ctx),
    };
    const step = steps[`${kind}/${name}`];
    if (!step) throw new Error(`no step ${name} in ${kind} operations`);
    return step;
  }

  /** The guests that should be running: instances not deleted, with a server, and no create or delete under way. */
  async #liveGuests(): Promise<InjectedGuest[]> {
    const live = await this.deps.db
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
      .where('instances.task_status', 'in', ['NONE', 'RESTART_ERROR', 'REBOOTING'])
      .execute();
    return live.map((i) => this.#guestOf(i));
  }

  /** Hands the guests of live instances back to the compute driver after a restart. */
  async adoptGuests(): Promise<void> {
    await this.#recordDown(await this.deps.compute.adopt(await this.#liveGuests()));
  }

  /** A guest that would not start again is the instance's fault, for its owner to read. */
  async #recordDown(down: readonly GuestDown[]): Promise<void> {
    for (const { instanceId, error } of down) {
      const reason = asCellarError(error);
      await this.deps.db
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

  /**
   * Every `seconds`, has the compute driver start again the guests of live instances that died
   * (a crash, the OOM killer, a lost broker connection). Returns what stops it.
   */
  watchGuests(seconds: number): () => Promise<void> {
    // A round still running when the next is due (a guest slow to start) makes that one skip.
    let round: Promise<void> | undefined;
    const timer = setInterval(() => {
      round ??= (async () => {
        try {
          await this.#recordDown(
            (await this.deps.compute.revive?.(await this.#liveGuests())) ?? [],
          );
        } catch (error) {
          this.deps.log.warn({ err: error }, 'the guests could not be checked');
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
}
