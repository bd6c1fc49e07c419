// Where each instance's gauges are kept: table instance_metrics (migration 0013-metrics), one row
// per instance, gauge and minute holding the sum and count of that minute's readings. A day of
// minutes is kept per instance; older rows are deleted at most once a minute, for all instances at
// once (deleted instances' rows go the same way).

import type { Kysely } from 'kysely';
import {
  isMetricName,
  METRIC_NAMES,
  METRIC_UNITS,
  type GuestMetrics,
  type MetricName,
} from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';

/** How many minutes are kept per instance: a day. */
export const KEPT_MINUTES = 24 * 60;

/** Whole minutes since the Unix epoch. */
export const minuteOf = (at: Date): number => Math.floor(at.getTime() / 60_000);

export interface Series {
  readonly name: MetricName;
  readonly unit: (typeof METRIC_UNITS)[MetricName];
  /** `[unix seconds of the minute's start, the minute's mean]`, oldest first. */
  readonly points: Array<[number, number]>;
}

export class MetricsStore {
  /** The minute this store last pruned in; pruning is once a minute at most. */
  #prunedAt?: number;

  constructor(private readonly db: Kysely<Database>) {}

  /** Adds one heartbeat's gauges to their minute, then prunes when the minute is new. */
  async record(instanceId: string, gauges: GuestMetrics, at: Date = new Date()): Promise<void> {
    const minute = minuteOf(at);
    // One statement per heartbeat, whatever the number of gauges.
    const rows = METRIC_NAMES.flatMap((name) => {
      const value = gauges[name];
      return value === undefined || !Number.isFinite(value)
        ? []
        : [{ instance_id: instanceId, name, minute, total: value, samples: 1 }];
    });
    if (rows.length > 0)
      await this.db
        .insertInto('instance_metrics')
        .values(rows)
        .onConflict((c) =>
          c.columns(['instance_id', 'name', 'minute']).doUpdateSet((eb) => ({
            total: eb('instance_metrics.total', '+', eb.ref('excluded.total')),
            samples: eb('instance_metrics.samples', '+', 1),
          })),
        )
        .execute();
    if (this.#prunedAt !== minute) await this.prune(at);
  }

  /** Deletes every row older than KEPT_MINUTES before `at`. */
  async prune(at: Date = new Date()): Promise<void> {
    const minute = minuteOf(at);
    this.#prunedAt = minute;
    await this.db
      .deleteFrom('instance_metrics')
      .where('minute', '<=', minute - KEPT_MINUTES)
      .execute();
  }

  /** The instance's series over the last `minutes` minutes up to `at`; a gauge never sent has none. */
  async series(instanceId: string, minutes: number, at: Date = new Date()): Promise<Series[]> {
    const rows = await this.db
      .selectFrom('instance_metrics')
      .select(['name', 'minute', 'total', 'samples'])
      .where('instance_id', '=', instanceId)
      .where('minute', '>', minuteOf(at) - minutes)
      .orderBy('minute')
      .execute();
    const points = new Map<string, Array<[number, number]>>();
    for (const row of rows) {
      const list = points.get(row.name) ?? [];
      list.push([Number(row.minute) * 60, Number(row.total) / Number(row.samples)]);
      points.set(row.name, list);
    }
    return METRIC_NAMES.flatMap((name) => {
      const list = points.get(name);
      return list ? [{ name, unit: METRIC_UNITS[name], points: list }] : [];
    });
  }

  /**
   * Each reporting instance's newest minute of each gauge: what /metrics exports. Instances that
   * sent nothing in the last two minutes are left out, as a stale figure would mislead.
   */
  async latest(at: Date = new Date()): Promise<Map<string, GuestMetrics>> {
    const rows = await this.db
      .selectFrom('instance_metrics')
      .select(['instance_id', 'name', 'minute', 'total', 'samples'])
      .where('minute', '>=', minuteOf(at) - 2)
      .orderBy('minute')
      .execute();
    const latest = new Map<string, GuestMetrics>();
    for (const row of rows) {
      if (!isMetricName(row.name)) continue;
      const gauges = latest.get(row.instance_id) ?? {};
      gauges[row.name] = Number(row.total) / Number(row.samples);
      latest.set(row.instance_id, gauges);
    }
    return latest;
  }
}
