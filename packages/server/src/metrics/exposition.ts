// GET /metrics in Prometheus' text format: the control plane's own figures (instances by status,
// open operations, each instance's heartbeat age, API requests) and each instance's latest gauges.
// The figures are read from the control database at each scrape, so any API process exports the
// same ones whatever process runs the conductor; request counts are this process's own.

import type { Kysely } from 'kysely';
import { Counter, Gauge, Registry } from 'prom-client';
import { METRIC_NAMES, type MetricName } from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';
import { openOperationStatuses } from '../instances/states.js';
import { instanceRows } from '../instances/lookup.js';
import { statusOf } from '../instances/views.js';
import { MetricsStore } from './store.js';

const INSTANCE_LABELS = ['instance_id', 'project_id', 'datastore'] as const;
type InstanceLabel = (typeof INSTANCE_LABELS)[number];

const HELP: Readonly<Record<MetricName, string>> = {
  connections: "Client connections to the instance's database server.",
  transactions_per_second: 'Transactions (MariaDB: statements) per second.',
  commands_per_second: 'Commands per second (Redis).',
  memory_bytes: 'Memory held by the database server.',
  disk_used_bytes: "Bytes used on the instance's volume.",
  disk_total_bytes: "Size of the instance's volume in bytes.",
  replication_lag_seconds: 'How far a replica is behind its source, in seconds.',
};

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status_code'>;
  readonly #instances: Gauge<'status'>;
  readonly #operations: Gauge<'kind'>;
  readonly #heartbeatAge: Gauge<InstanceLabel>;
  readonly #gauges: ReadonlyMap<MetricName, Gauge<InstanceLabel>>;
  readonly #store: MetricsStore;
  /** Scrapes one after another: each resets the gauges and sets them again. */
  #scraping: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly heartbeatExpiry: number,
  ) {
    this.#store = new MetricsStore(db);
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'cellar_api_requests_total',
      help: 'API requests this process answered, by route and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.#instances = new Gauge({
      name: 'cellar_instances',
      help: 'Instances by status, as the API shows it.',
      labelNames: ['status'],
      registers,
    });
    this.#operations = new Gauge({
      name: 'cellar_open_operations',
      help: 'Operations pending or running, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#heartbeatAge = new Gauge({
      name: 'cellar_heartbeat_age_seconds',
      help: "Seconds since the instance's guest last reported.",
      labelNames: INSTANCE_LABELS,
      registers,
    });
    this.#gauges = new Map(
      METRIC_NAMES.map((name) => [
        name,
        new Gauge({
          name: `cellar_instance_${name}`,
          help: HELP[name],
          labelNames: INSTANCE_LABELS,
          registers,
        }),
      ]),
    );
  }

  /** Counts one answered request; `route` is the route's pattern, so ids make no new series. */
  countRequest(method: string, route: string, statusCode: number): void {
    this.#requests.inc({ method, route, status_code: String(statusCode) });
  }

  /** The exposition, read fresh from the control database. */
  scrape(): Promise<string> {
    const next = this.#scraping.then(
      () => this.#read(),
      () => this.#read(),
    );
    this.#scraping = next;
    return next;
  }

  async #read(): Promise<string> {
    const at = new Date();
    const [rows, operations, latest] = await Promise.all([
      instanceRows(this.db).execute(),
      this.db
        .selectFrom('operations')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('open')])
        .where('status', 'in', openOperationStatuses)
        .groupBy('kind')
        .execute(),
      this.#store.latest(at),
    ]);
    for (const gauge of [
      this.#instances,
      this.#operations,
      this.#heartbeatAge,
      ...this.#gauges.values(),
    ])
      gauge.reset();
    for (const row of rows) {
      const labels = { instance_id: row.id, project_id: row.tenant_id, datastore: row.datastore };
      this.#instances.inc({ status: statusOf(row, at, this.heartbeatExpiry).status });
      const beat = Date.parse(row.service_updated_at);
      if (Number.isFinite(beat)) this.#heartbeatAge.set(labels, (at.getTime() - beat) / 1000);
      const gauges = latest.get(row.id) ?? {};
      for (const name of METRIC_NAMES) {
        const value = gauges[name];
        if (value !== undefined) this.#gauges.get(name)?.set(labels, value);
      }
    }
    for (const { kind, open } of operations) this.#operations.set({ kind }, Number(open));
    return this.registry.metrics();
  }
}
