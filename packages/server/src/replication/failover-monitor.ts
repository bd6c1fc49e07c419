// Automatic failover ([DEFAULT] automatic_failover): every few seconds, a replica source whose
// guest has been silent for failover_timeout (and does not answer a ping) while one of its
// replicas reports healthy is ejected: fenced, its best replica promoted (eject-steps.ts). A
// fenced source whose guest reports again rejoins as a replica of its successor (rejoin-steps.ts).
// Several taskmanagers may watch: an instance has one open operation at most (migration 0003),
// so only the first to start the eject acts on it.

import { InstanceBusy, isCellarError } from '@cellar/plugin-api';
import { startOperation } from '../instances/start-operation.js';
import type { ServiceStatus } from '../instances/states.js';
import type { TaskManagerDeps } from '../taskmanager/step-context.js';
import { guestOf, instanceRow } from './guests.js';

const HEALTHY: readonly ServiceStatus[] = ['healthy', 'running'];
const PING_SECONDS = 2;

interface Watched {
  readonly deps: TaskManagerDeps;
  readonly timeoutMs: number;
  readonly start: (instanceId: string, kind: 'eject' | 'rejoin') => Promise<void>;
}

/** Sources with an idle task whose last heartbeat is older than the timeout. */
async function silentSources(w: Watched): Promise<string[]> {
  const before = new Date(Date.now() - w.timeoutMs).toISOString();
  const rows = await w.deps.db
    .selectFrom('replicas')
    .innerJoin('instances', 'instances.id', 'replicas.source_id')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'instances.id')
    .select('instances.id')
    .distinct()
    .where('instances.deleted_at', 'is', null)
    .where('instances.task_status', '=', 'NONE')
    .where('service_statuses.updated_at', '<', before)
    .execute();
  return rows.map((r) => r.id);
}

/** Whether one replica of the source reported healthy within the timeout. */
async function healthyReplica(w: Watched, sourceId: string): Promise<boolean> {
  const since = new Date(Date.now() - w.timeoutMs).toISOString();
  const row = await w.deps.db
    .selectFrom('replicas')
    .innerJoin('instances', 'instances.id', 'replicas.instance_id')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'instances.id')
    .innerJoin('replication_states', 'replication_states.instance_id', 'instances.id')
    .select('instances.id')
    .where('replicas.source_id', '=', sourceId)
    .where('instances.deleted_at', 'is', null)
    .where('instances.task_status', '=', 'NONE')
    .where('service_statuses.status', 'in', HEALTHY)
    .where('service_statuses.updated_at', '>=', since)
    .executeTakeFirst();
  return row !== undefined;
}

/** A guest that answers a ping is alive, however late its heartbeats (a slow broker). */
async function answers(w: Watched, sourceId: string): Promise<boolean> {
  const source = await instanceRow(w.deps.db, sourceId);
  return guestOf(w.deps, source)
    .ping({ requestId: `failover-${sourceId}` }, PING_SECONDS)
    .catch(() => false);
}

/** Fenced sources, idle, that reported healthy since they were fenced. */
async function revivedSources(w: Watched): Promise<string[]> {
  const rows = await w.deps.db
    .selectFrom('replication_fences')
    .innerJoin('instances', 'instances.id', 'replication_fences.instance_id')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'instances.id')
    .select(['instances.id', 'service_statuses.updated_at', 'replication_fences.fenced_at'])
    .where('replication_fences.rejoined_at', 'is', null)
    .where('instances.deleted_at', 'is', null)
    .where('instances.task_status', '=', 'NONE')
    .where('service_statuses.status', 'in', HEALTHY)
    .execute();
  return rows.filter((r) => r.updated_at > r.fenced_at).map((r) => r.id);
}

async function round(w: Watched): Promise<void> {
  for (const sourceId of await silentSources(w)) {
    if (!(await healthyReplica(w, sourceId)) || (await answers(w, sourceId))) continue;
    w.deps.log.warn({ instance: sourceId }, 'replica source silent: failing over');
    await w.start(sourceId, 'eject');
  }
  for (const id of await revivedSources(w)) await w.start(id, 'rejoin');
}

/**
 * With automatic_failover, the sources that have a healthy replica: their guest is not started
 * again by the compute driver's watch when it dies, they are failed over, and come back (revived
 * once the failover moved their replicas) as replicas of their successor.
 */
export async function heldForFailover(
  deps: Pick<TaskManagerDeps, 'db' | 'replication'>,
): Promise<ReadonlySet<string>> {
  const settings = deps.replication;
  if (settings?.automaticFailover !== true) return new Set();
  const since = new Date(Date.now() - settings.failoverTimeout * 1000).toISOString();
  const rows = await deps.db
    .selectFrom('replicas')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'replicas.instance_id')
    .select('replicas.source_id')
    .distinct()
    .where('service_statuses.status', 'in', HEALTHY)
    .where('service_statuses.updated_at', '>=', since)
    .execute();
  return new Set(rows.map((r) => r.source_id));
}

/** Watches while automatic_failover is on; answers what stops it. */
export function watchFailover(
  deps: TaskManagerDeps,
  run: (operationId: string) => Promise<void>,
): () => Promise<void> {
  const settings = deps.replication;
  if (settings?.automaticFailover !== true) return async () => undefined;
  const w: Watched = {
    deps,
    timeoutMs: settings.failoverTimeout * 1000,
    start: async (instanceId, kind) => {
      const runner = { db: deps.db, controlKey: deps.controlKey, runOperation: run };
      const request = kind === 'eject' ? { automatic: true } : {};
      const task = kind === 'eject' ? 'EJECTING' : 'BUILDING';
      try {
        const started = await startOperation(runner, instanceId, kind, task, {
          record: async () => request,
        });
        void run(started.operationId);
      } catch (error) {
        // Another taskmanager started it first.
        if (!(isCellarError(error) && error.code === InstanceBusy.spec.code)) throw error;
      }
    },
  };
  let current: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      current ??= round(w)
        .catch((error: unknown) => deps.log.warn({ err: error }, 'failover watch round failed'))
        .finally(() => {
          current = undefined;
        });
    },
    Math.max(500, Math.min(5_000, (settings.failoverTimeout * 1000) / 5)),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}
