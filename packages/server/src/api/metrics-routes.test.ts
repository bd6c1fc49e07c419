// An instance's metrics and the Prometheus exposition through the HTTP layer, over an in-memory
// control database: the series' shape, another project's 404, bad minutes, and who may scrape.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { now } from '../db/schema.js';
import { MetricsStore } from '../metrics/store.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { startTestApi, type TestApi } from './app-fixture.js';

let api: TestApi;
let teamA: string;
let owner: string;
let stranger: string;
let admin: string;
let instanceId: string;
before(async () => {
  api = await startTestApi();
  teamA = await api.identity.createProject('team-a');
  const teamB = await api.identity.createProject('team-b');
  await api.identity.createUser('ann', 'ann-pw', teamA, ['member']);
  await api.identity.createUser('bob', 'bob-pw', teamB, ['member']);
  owner = await api.token('ann', 'ann-pw', 'team-a');
  stranger = await api.token('bob', 'bob-pw', 'team-b');
  admin = await api.token('admin', 'admin-secret', 'admin');
  const db = api.control.db;
  instanceId = await insertInstance(db);
  await db
    .updateTable('instances')
    .set({ tenant_id: teamA })
    .where('id', '=', instanceId)
    .execute();
  await db
    .insertInto('service_statuses')
    .values({ instance_id: instanceId, status: 'healthy', updated_at: now() })
    .execute();
  for (const [kind, status] of [
    ['create', 'running'],
    ['restart', 'succeeded'],
  ] as const)
    await db
      .insertInto('operations')
      .values({
        id: `${kind}-op`,
        instance_id: instanceId,
        kind,
        status,
        request: '{}',
        error_code: null,
        error_message: null,
        created_at: now(),
        updated_at: now(),
      })
      .execute();
  await new MetricsStore(db).record(instanceId, { connections: 4, disk_total_bytes: 2 ** 30 });
});
after(async () => {
  await api.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'GET', url, headers });

test("an instance's metrics answer each gauge's series in the documented shape", async () => {
  const res = await get(`/v1.0/${teamA}/instances/${instanceId}/metrics?minutes=5`, {
    'x-auth-token': owner,
  });
  assert.equal(res.statusCode, 200, res.body);
  const { metrics } = res.json<{
    metrics: { interval: number; series: { name: string; unit: string; points: number[][] }[] };
  }>();
  assert.equal(metrics.interval, 60);
  assert.deepEqual(
    metrics.series.map((s) => [s.name, s.unit, s.points.map(([, value]) => value)]),
    [
      ['connections', 'count', [4]],
      ['disk_total_bytes', 'bytes', [2 ** 30]],
    ],
  );
  const [when] = metrics.series[0]?.points[0] ?? [];
  assert.ok(when !== undefined && Math.abs(Date.now() / 1000 - when) < 120, `point at ${when}`);
});

test("a member of another project gets 404 for the instance's metrics", async () => {
  const res = await get(`/v1.0/${teamA}/instances/${instanceId}/metrics`, {
    'x-auth-token': stranger,
  });
  assert.equal(res.statusCode, 403, 'its own token names another project');
  const own = await api.identity.validate(stranger);
  const viaOwn = await get(`/v1.0/${own.projectId}/instances/${instanceId}/metrics`, {
    'x-auth-token': stranger,
  });
  assert.equal(viaOwn.statusCode, 404, viaOwn.body);
  assert.doesNotMatch(viaOwn.body, /connections/);
});

test('minutes outside 1 to 1440 are a 400 naming the range', async () => {
  const res = await get(`/v1.0/${teamA}/instances/${instanceId}/metrics?minutes=2000`, {
    'x-auth-token': owner,
  });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /minutes must be a whole number from 1 to 1440/);
});

test('/metrics needs an admin token: 401 without one, 403 for a member', async () => {
  assert.equal((await get('/metrics')).statusCode, 401);
  assert.equal((await get('/metrics', { authorization: `Bearer ${owner}` })).statusCode, 403);
});

test("/metrics exports the instances by status, open operations, heartbeat ages and each instance's gauges", async () => {
  const res = await get('/metrics', { authorization: `Bearer ${admin}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const labels = `instance_id="${instanceId}",project_id="${teamA}",datastore="postgresql-${instanceId}"`;
  assert.ok(res.body.includes(`cellar_instance_connections{${labels}} 4\n`), res.body);
  assert.ok(res.body.includes(`cellar_instance_disk_total_bytes{${labels}} ${2 ** 30}\n`));
  assert.match(res.body, /^cellar_instances\{status="BUILD"\} 1$/m);
  // The running create is open; the restart that ended is not.
  assert.match(res.body, /^cellar_open_operations\{kind="create"\} 1$/m);
  assert.doesNotMatch(res.body, /cellar_open_operations\{kind="restart"\}/);
  assert.match(res.body, new RegExp(`^cellar_heartbeat_age_seconds\\{${labels}\\} \\d`, 'm'));
  assert.match(
    res.body,
    /^cellar_api_requests_total\{method="GET",route="\/v1\.0\/:tenant_id\/instances\/:id\/metrics",status_code="200"\} \d+$/m,
  );
});
