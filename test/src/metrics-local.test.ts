// A real PostgreSQL instance's gauges, as its owner and an operator see them: its heartbeats
// (every second here) fill GET /instances/{id}/metrics and the Prometheus exposition at /metrics
// with its connections, memory and volume use; a client that connects shows in the figures; a
// member of another project cannot read them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql as skip, psql } from './support/local-postgresql.js';
import { runTool } from './support/repo.js';
import { waitFor } from './support/wait-for.js';

// What Prometheus would be given to read /metrics; it opens nothing else.
const METRICS_TOKEN = `metrics-${process.pid}-0123456789`;
const local = localCellarOfFile(skip, [`DEFAULT.metrics_token=${METRICS_TOKEN}`]);

interface Series {
  readonly name: string;
  readonly unit: string;
  readonly points: [number, number][];
}

/** The instance's series by name, as GET /instances/{id}/metrics answers them. */
async function seriesOf(id: string): Promise<Map<string, Series>> {
  const res = await local.api('GET', `/instances/${id}/metrics?minutes=10`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const metrics = res.json['metrics'] as { interval: number; series: Series[] };
  assert.equal(metrics.interval, 60);
  return new Map(metrics.series.map((s) => [s.name, s]));
}

/** The exposition's value of `metric` for the instance, undefined while it has none. */
async function exported(metric: string, id: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${local.port}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{instance_id="${id}"`));
  if (line === undefined) return undefined;
  assert.ok(line.includes(`project_id="${local.session.project}"`), line);
  assert.ok(line.includes('datastore="postgresql"'), line);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

let instance: { id: string; address: string } | undefined;

/** A PostgreSQL instance's gauges; the rate comes from its second heartbeat on. */
const GAUGES = [
  'connections',
  'transactions_per_second',
  'memory_bytes',
  'disk_used_bytes',
  'disk_total_bytes',
];

test(
  "a PostgreSQL instance's connections, transactions per second, memory and volume use appear in its metrics and in /metrics",
  { skip },
  async () => {
    instance = await activeInstance(local, {
      name: 'pg-metrics',
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'postgresql', version: local.version },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
    });
    const { id, address } = instance;
    const series = await waitFor(
      async () => {
        const found = await seriesOf(id);
        return GAUGES.every((n) => found.has(n)) ? found : undefined;
      },
      { timeout: 30_000, what: `the instance’s series ${GAUGES.join(', ')}` },
    );
    const last = (name: string): number => series.get(name)?.points.at(-1)?.[1] ?? NaN;
    const total = last('disk_total_bytes');
    // As root the volume is an ext4 image of 1 GB, a little smaller once formatted; otherwise a
    // directory, measured on the filesystem it is in.
    if (process.getuid?.() === 0)
      assert.ok(total > 0.8 * 2 ** 30 && total <= 2 ** 30, `${total} bytes in all`);
    else assert.ok(total > 0, `${total} bytes in all`);
    assert.ok(last('disk_used_bytes') > 0 && last('disk_used_bytes') < total);
    assert.ok(last('memory_bytes') > 2 ** 20, `the server holds ${last('memory_bytes')} bytes`);
    assert.equal(series.get('connections')?.unit, 'count');
    const [when] = series.get('connections')?.points.at(-1) ?? [0];
    const age = Date.now() / 1000 - when;
    assert.ok(age >= 0 && age < 120, `the newest minute began ${age} s ago`);

    const before = await waitFor(() => exported('cellar_instance_connections', id), {
      timeout: 10_000,
      what: 'the instance’s connections in /metrics',
    });
    const used = await exported('cellar_instance_disk_used_bytes', id);
    assert.ok(used !== undefined && used > 0, `${used} bytes used in /metrics`);
    // A client holding a session for a while raises the figure: it is measured, not made up.
    const holding = psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT pg_sleep(30)');
    await waitFor(async () => ((await exported('cellar_instance_connections', id)) ?? 0) > before, {
      timeout: 30_000,
      what: `more than ${before} connections while a client is connected`,
    });
    assert.equal((await holding).ok, true);
  },
);

test(
  "another project's member gets 404 for the instance's metrics and 403 for /metrics; the metrics token opens /metrics only",
  { skip },
  async () => {
    assert.ok(instance, 'the first test made no instance');
    const set = ['--set', `DEFAULT.state_path=${local.state}`];
    assert.equal((await runTool('cellar-manage', ['project', 'create', 'team-b', ...set])).code, 0);
    const user = ['user', 'create', 'bob', '--project', 'team-b', '--password', 'bob-pw', ...set];
    assert.equal((await runTool('cellar-manage', user)).code, 0);
    const bob = await signIn(`http://127.0.0.1:${local.port}`, 'bob', 'bob-pw', 'team-b');
    const res = await bob.call('GET', `/instances/${instance.id}/metrics`);
    assert.equal(res.status, 404, JSON.stringify(res.json));
    const scrape = await fetch(`http://127.0.0.1:${local.port}/metrics`, {
      headers: { 'x-auth-token': bob.token },
    });
    assert.equal(scrape.status, 403, 'a member may not read every project’s figures');
    const withMetricsToken = await fetch(
      `http://127.0.0.1:${local.port}/v1.0/${local.session.project}/instances/${instance.id}/metrics`,
      { headers: { 'x-auth-token': METRICS_TOKEN } },
    );
    assert.equal(withMetricsToken.status, 401, 'the metrics token reads /metrics and nothing else');
  },
);
