// Ejecting a source that is gone (eject_replica_source, or the automatic failover): the source
// fenced where the compute driver can, the most caught-up healthy replica chosen by the progress
// its last heartbeat reported (the lag at promotion recorded), promoted, and the rest re-pointed.

import { ReplicationNotPossible } from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import type { Step, StepContext } from '../taskmanager/step-context.js';
import { recordDetail, replicaRows, requestOf, setTask } from './guests.js';
import { promote, recordNewSource, repointReplicas } from './repoint.js';
import { replicationStates } from './state-store.js';

const CHOOSE = 'choose-replica';

interface Choice {
  readonly replica: string;
  readonly progress: number;
  readonly position: string;
  /** Bytes the chosen replica was behind the source, by the last states both reported. */
  readonly lagBytes: number | null;
  readonly lagSeconds: number | null;
  readonly replicaReportedAt: string;
  readonly sourceReportedAt: string | null;
}

const fence: Step = {
  name: 'fence',
  async run(ctx) {
    if (ctx.deps.compute.fence === undefined) return 'skipped';
    const killed = await ctx.deps.compute.fence(ctx.instance.id);
    await recordDetail(ctx, 'fence', {
      killed: killed.length,
      automatic: requestOf(ctx).automatic === true,
    });
    return 'succeeded';
  },
};

/** The replica with the highest progress among those whose heartbeat carried a state. */
async function choose(ctx: StepContext): Promise<Choice> {
  const replicas = await replicaRows(ctx.deps.db, ctx.instance.id);
  const states = await replicationStates(ctx.deps.db, [
    ctx.instance.id,
    ...replicas.map((r) => r.id),
  ]);
  const source = states.get(ctx.instance.id);
  const ranked = replicas
    .flatMap((r) => {
      const recorded = states.get(r.id);
      return recorded?.state.role === 'replica' ? [{ id: r.id, ...recorded }] : [];
    })
    .sort((a, b) => b.state.progress - a.state.progress);
  const best = ranked[0];
  if (best === undefined)
    throw new ReplicationNotPossible({
      instance: ctx.instance.id,
      reason: 'none of its replicas has reported a replication state to promote by',
    });
  const behindSource =
    source === undefined ? undefined : Math.max(0, source.state.progress - best.state.progress);
  return {
    replica: best.id,
    progress: best.state.progress,
    position: best.state.position,
    lagBytes: behindSource ?? best.state.lagBytes ?? null,
    lagSeconds: best.state.lagSeconds ?? null,
    replicaReportedAt: best.updatedAt,
    sourceReportedAt: source?.updatedAt ?? null,
  };
}

const chooseReplica: Step = {
  name: CHOOSE,
  async run(ctx) {
    const choice = await choose(ctx);
    await recordDetail(ctx, CHOOSE, { ...choice });
    const replicas = await replicaRows(ctx.deps.db, ctx.instance.id);
    await setTask(
      ctx.deps.db,
      replicas.map((r) => r.id),
      'EJECTING',
    );
    return 'succeeded';
  },
};

/** The replica the choose step recorded (a resumed operation keeps its choice). */
async function chosen(ctx: StepContext): Promise<string> {
  const row = await ctx.deps.db
    .selectFrom('operation_steps')
    .select('detail')
    .where('operation_id', '=', ctx.operation.id)
    .where('name', '=', CHOOSE)
    .executeTakeFirst();
  const detail: unknown = JSON.parse(row?.detail ?? '{}');
  const replica = (detail as { replica?: unknown }).replica;
  if (typeof replica !== 'string')
    throw new Error(`operation ${ctx.operation.id} chose no replica`);
  return replica;
}

const promoteChosen: Step = {
  name: 'promote',
  async run(ctx) {
    const replica = await chosen(ctx);
    const set = (await replicaRows(ctx.deps.db, ctx.instance.id)).map((r) => r.id);
    // Already done when resumed after it: the set's rows moved with the promotion.
    if (set.includes(replica))
      await promote(
        ctx,
        replica,
        set.filter((id) => id !== replica),
      );
    await recordNewSource(ctx, ctx.instance.id, replica, undefined);
    await ctx.deps.db
      .insertInto('replication_fences')
      .values({
        instance_id: ctx.instance.id,
        successor_id: replica,
        fenced_at: now(),
        rejoined_at: null,
      })
      .onConflict((oc) =>
        oc
          .column('instance_id')
          .doUpdateSet({ successor_id: replica, fenced_at: now(), rejoined_at: null }),
      )
      .execute();
    return 'succeeded';
  },
};

const repoint: Step = {
  name: 'repoint-replicas',
  async run(ctx) {
    const replica = await chosen(ctx);
    await repointReplicas(ctx, replica);
    const set = await replicaRows(ctx.deps.db, replica);
    await setTask(ctx.deps.db, [replica, ...set.map((r) => r.id)], 'NONE');
    return 'succeeded';
  },
};

export const ejectSteps: readonly Step[] = [fence, chooseReplica, promoteChosen, repoint];
