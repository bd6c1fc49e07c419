// The gauges a guest's heartbeat carries for its datastore, named as the control plane serves
// them: one list of names and units shared by datastores, the agent, the wire and the API.

/** Each gauge's name and unit, in the order the API lists series. */
export const METRIC_UNITS = {
  connections: 'count',
  transactions_per_second: 'per_second',
  commands_per_second: 'per_second',
  memory_bytes: 'bytes',
  disk_used_bytes: 'bytes',
  disk_total_bytes: 'bytes',
  replication_lag_seconds: 'seconds',
} as const;

export type MetricName = keyof typeof METRIC_UNITS;
export type MetricUnit = (typeof METRIC_UNITS)[MetricName];

export const METRIC_NAMES = Object.keys(METRIC_UNITS) as readonly MetricName[];

/** Some of the gauges; a datastore answers those it has, the agent adds disk and lag. */
export type GuestMetrics = Partial<Record<MetricName, number>>;

/**
 * A per-second rate from a counter read at each heartbeat (PostgreSQL's xact_commit, MariaDB's
 * Questions): nothing at the first reading, nor when the counter went back (a server restarted),
 * since neither says how much happened since the last one.
 */
export class CounterRate {
  #last?: { readonly total: number; readonly at: number };

  /** The rate since the previous reading, `at` in milliseconds. */
  observe(total: number, at: number = Date.now()): number | undefined {
    const last = this.#last;
    this.#last = { total, at };
    if (last === undefined || total < last.total || at <= last.at) return undefined;
    return ((total - last.total) * 1000) / (at - last.at);
  }
}

/** Whether `name` is one of the gauges (a name read back from storage is only a string). */
export const isMetricName = (name: string): name is MetricName => Object.hasOwn(METRIC_UNITS, name);
