// The control plane end to end with the simulated compute driver: the real API, taskmanager,
// conductor and RPC (local transport), and in-process guests that heartbeat as real ones do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  signIn,
  startTestControlPlane,
  type ApiSession,
  type Json,
  type TestControlPlane,
} from '@cellar/server/testing';
import { repoRoot, runTool } from './support/repo.js';

let running: TestControlPlane;
let state: string;
let base: string;
let project: string;
let session: ApiSession;

before(async () => {
  running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    'identity.bootstrap_password=admin-secret',
    'simulated.prepare_delay=0.05',
    'simulated.report_interval=0.2',
    'simulated.fail_prepare_names=^broken',
    'postgresql.usage_timeout=20',
    'identity.admin_token=static-admin-token-for-tests',
    // These tests poll; the rate limits have their own test.
    'DEFAULT.http_get_rate=100000',
    'DEFAULT.http_post_rate=100000',
  ]);
  state = running.statePath;
  base = running.plane.endpoint;
  session = await signIn(base, 'admin', 'admin-secret');
  project = session.project;
});
after(async () => {
  await running.close();
});

const api: ApiSession['call'] = (method, path, body) => session.call(method, path, body);
const until = (id: string, predicate: (instance: Json) => boolean, what: string): Promise<Json> =>
  session.untilInstance(id, predicate, what, 15);

/** The instance's operations, newest first, from its timeline resource. */
const operations = async (id: string): Promise<Json[]> => {
  const answer = await api('GET', `/instances/${id}/operations`);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return answer.json['operations'] as Json[];
};

/** Waits until the instance's newest operation is a `kind` that ended as `status`. */
const untilOperation = async (id: string, kind: string, status: string): Promise<Json> => {
  const deadline = Date.now() + 15_000;
  let newest: Json | undefined;
  while (Date.now() < deadline) {
    newest = (await operations(id))[0];
    if (newest?.['kind'] === kind && newest['status'] === status) return newest;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${kind} of ${id} ${status}: ${JSON.stringify(newest)}`);
};

const pg = (extra: Json = {}) => ({
  instance: {
    name: 'db1',
    flavorRef: '2',
    volume: { size: 1 },
    datastore: { type: 'postgresql' },
    ...extra,
  },
});

test('create with a database and a user: BUILD at once, then ACTIVE/HEALTHY, with every step of the operation recorded', async () => {
  const created = await api(
    'POST',
    '/instances',
    pg({
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: 'app-pw', databases: [{ name: 'appdb' }] }],
    }),
  );
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const instance = created.json['instance'] as Json;
  assert.equal(instance['status'], 'BUILD');
  assert.equal(instance['operating_status'], '');
  assert.deepEqual(instance['datastore'], {
    type: 'postgresql',
    version: '15',
    version_number: '15',
  });
  const ready = await until(instance['id'] as string, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  assert.equal(ready['operating_status'], 'HEALTHY');
  assert.match(String((ready['ip'] as string[])[0]), /^127\.42\./);
  assert.equal(ready['operation'], undefined, 'the instance body keeps to short fields');
  const [op] = await operations(instance['id'] as string);
  assert.ok(op);
  assert.equal(op['kind'], 'create');
  assert.equal(op['status'], 'succeeded');
  assert.deepEqual(
    (op['steps'] as Json[]).map((s) => [s['name'], s['status']]),
    [
      ['network', 'succeeded'],
      ['volume', 'succeeded'],
      ['server', 'succeeded'],
      ['prepare', 'succeeded'],
      ['wait-for-guest', 'succeeded'],
    ],
  );

  const list = await api('GET', '/instances');
  assert.ok(
    (list.json['instances'] as Json[]).some(
      (i) => i['id'] === instance['id'] && i['status'] === 'ACTIVE',
    ),
  );
  const detail = await api('GET', '/instances/detail');
  assert.ok(
    (detail.json['instances'] as Json[]).some((i) => i['id'] === instance['id'] && i['created']),
  );

  assert.equal(
    (await api('PUT', `/instances/${instance['id'] as string}`, { instance: { name: 'renamed' } }))
      .status,
    202,
  );
  assert.equal(
    ((await api('GET', `/instances/${instance['id'] as string}`)).json['instance'] as Json)['name'],
    'renamed',
  );

  assert.equal(
    (await api('POST', `/instances/${instance['id'] as string}/action`, { restart: {} })).status,
    202,
  );
  await untilOperation(instance['id'] as string, 'restart', 'succeeded');
  const restarted = await until(
    instance['id'] as string,
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE',
  );
  assert.equal(restarted['operating_status'], 'HEALTHY');

  assert.equal((await api('DELETE', `/instances/${instance['id'] as string}`)).status, 202);
  await until(instance['id'] as string, (i) => i['gone'] === true, 'deleted');
});

test('a guest that fails to prepare leaves the instance in ERROR with the reason, never in BUILD', async () => {
  const created = await api('POST', '/instances', pg({ name: 'broken-1' }));
  assert.equal(created.status, 200);
  const failed = await until(
    (created.json['instance'] as Json)['id'] as string,
    (i) => i['status'] === 'ERROR',
    'ERROR',
  );
  assert.match(
    String((failed['fault'] as Json)['message']),
    /server of instance .* failed to start: the simulated postgresql server failed to start/,
  );
  const [op] = await operations((created.json['instance'] as Json)['id'] as string);
  assert.ok(op);
  assert.equal(op['status'], 'failed');
  assert.equal((op['error'] as Json)['code'], 'CELLAR_GUEST_PREPARE_FAILED');
  assert.equal((op['steps'] as Json[]).at(-1)?.['status'], 'failed');
  assert.equal(
    (await api('DELETE', `/instances/${(created.json['instance'] as Json)['id'] as string}`))
      .status,
    202,
    'an instance in ERROR can be deleted',
  );
});

test('bad requests are refused naming what is wrong, and write nothing', async () => {
  const before = (await api('GET', '/instances')).json['instances'] as Json[];
  const unknownField = await api('POST', '/instances', {
    instance: { name: 'x', flavorRef: '1', volume: { size: 1 }, colour: 'blue' },
  });
  assert.equal(unknownField.status, 400);
  assert.match(JSON.stringify(unknownField.json), /unknown field 'colour'/);
  const noDatastore = await api('POST', '/instances', pg({ datastore: { type: 'oracle' } }));
  assert.deepEqual(noDatastore.json, {
    itemNotFound: { code: 404, message: 'Datastore oracle cannot be found.' },
  });
  const noFlavor = await api('POST', '/instances', pg({ flavorRef: '99' }));
  assert.equal(noFlavor.status, 404);
  const badName = await api('POST', '/instances', pg({ databases: [{ name: 'drop table;' }] }));
  assert.equal(badName.status, 400);
  assert.match(
    JSON.stringify(badName.json),
    /databases\[0\]\.name: 'drop table;' is not a valid postgresql database name/,
  );
  const notSupported = await api('POST', '/instances', pg({ restorePoint: { backupRef: 'b1' } }));
  assert.deepEqual(notSupported.json, {
    notImplemented: {
      code: 501,
      message: "The 'restore' operation is not supported for the 'postgresql' datastore.",
    },
  });
  const noVolume = await api('POST', '/instances', {
    instance: { name: 'x', flavorRef: '1', datastore: { type: 'postgresql' } },
  });
  assert.equal(noVolume.status, 400);
  const after = (await api('GET', '/instances')).json['instances'] as Json[];
  assert.deepEqual(
    after.filter((i) => !before.some((b) => b['id'] === i['id'])),
    [],
    'no instance was created by a refused request',
  );
});

test('a busy instance refuses a restart with 422, as Trove does', async () => {
  const created = await api('POST', '/instances', pg({ name: 'busy' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  const refused = await api('POST', `/instances/${id}/action`, { restart: {} });
  assert.equal(refused.status, 422);
  assert.match(
    String((refused.json['unprocessableEntity'] as Json | undefined)?.['message']),
    /is not currently available for an action to be performed \(task status was BUILDING\)/,
  );
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  await api('DELETE', `/instances/${id}`);
});

test("an instance's databases, users, their access and root are listed and changed through its guest", async () => {
  const created = await api(
    'POST',
    '/instances',
    pg({
      name: 'people',
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: 'app-pw', databases: [{ name: 'appdb' }] }],
    }),
  );
  const id = (created.json['instance'] as Json)['id'] as string;
  const notReady = await api('GET', `/instances/${id}/databases`);
  assert.equal(notReady.status, 422, 'not before the database is up');
  await until(id, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY');
  const path = `/instances/${id}`;

  assert.deepEqual((await api('GET', `${path}/databases`)).json, {
    databases: [{ name: 'appdb' }],
  });
  assert.equal(
    (await api('POST', `${path}/databases`, { databases: [{ name: 'reports' }] })).status,
    202,
  );
  const again = await api('POST', `${path}/databases`, { databases: [{ name: 'reports' }] });
  assert.deepEqual(again.json, {
    badRequest: { code: 400, message: 'Database reports already exists.' },
  });
  const badName = await api('POST', `${path}/databases`, { databases: [{ name: 'postgres' }] });
  assert.match(JSON.stringify(badName.json), /'postgres' is reserved by postgresql/);
  assert.deepEqual((await api('GET', `${path}/databases`)).json, {
    databases: [{ name: 'appdb' }, { name: 'reports' }],
  });
  assert.equal((await api('DELETE', `${path}/databases/reports`)).status, 202);
  assert.equal((await api('DELETE', `${path}/databases/reports`)).status, 404);

  assert.deepEqual((await api('GET', `${path}/users`)).json, {
    users: [{ name: 'app', host: '%', databases: [{ name: 'appdb' }] }],
  });
  assert.equal(
    (await api('POST', `${path}/users`, { users: [{ name: 'analyst', password: 'a-pw' }] })).status,
    202,
  );
  assert.equal(
    (await api('PUT', `${path}/users`, { users: [{ name: 'analyst', password: 'new-pw' }] }))
      .status,
    202,
  );
  assert.equal(
    (await api('PUT', `${path}/users/analyst/databases`, { databases: [{ name: 'appdb' }] }))
      .status,
    202,
  );
  assert.deepEqual((await api('GET', `${path}/users/analyst/databases`)).json, {
    databases: [{ name: 'appdb' }],
  });
  assert.deepEqual((await api('GET', `${path}/users/analyst`)).json, {
    user: { name: 'analyst', host: '%', databases: [{ name: 'appdb' }] },
  });
  assert.equal((await api('DELETE', `${path}/users/analyst/databases/appdb`)).status, 202);
  assert.equal((await api('DELETE', `${path}/users/analyst/databases/appdb`)).status, 404);
  assert.equal((await api('DELETE', `${path}/users/analyst`)).status, 202);
  assert.equal((await api('GET', `${path}/users/analyst`)).status, 404);

  assert.deepEqual((await api('GET', `${path}/root`)).json, { rootEnabled: false });
  assert.equal((await api('DELETE', `${path}/root`)).status, 404, 'root was never enabled');
  const root = await api('POST', `${path}/root`);
  assert.equal(root.status, 200);
  assert.equal((root.json['user'] as Json)['name'], 'root');
  assert.deepEqual((await api('GET', `${path}/root`)).json, { rootEnabled: true });
  assert.equal((await api('DELETE', `${path}/root`)).status, 204);
  await api('DELETE', path);
});

test("another project's token gets 403 on this project's paths and 404 for this project's instances, in every route", async () => {
  const created = await api('POST', '/instances', pg({ name: 'private' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  await until(id, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY');
  const set = ['--set', `DEFAULT.state_path=${state}`];
  assert.equal((await runTool('cellar-manage', ['project', 'create', 'team-b', ...set])).code, 0);
  assert.equal(
    (
      await runTool('cellar-manage', [
        'user',
        'create',
        'bob',
        '--project',
        'team-b',
        '--password',
        'bob-pw',
        ...set,
      ])
    ).code,
    0,
  );
  const { token: bob, project: bobProject } = await signIn(base, 'bob', 'bob-pw', 'team-b');
  const operationId = (await operations(id))[0]?.['id'] as string;
  const routes: [string, string, unknown?][] = [
    ['GET', `/instances/${id}`],
    ['GET', `/instances/${id}/operations`],
    ['GET', `/instances/${id}/operations/${operationId}`],
    ['PUT', `/instances/${id}`, { instance: { name: 'stolen' } }],
    ['DELETE', `/instances/${id}`],
    ['POST', `/instances/${id}/action`, { restart: {} }],
    ['GET', `/instances/${id}/databases`],
    ['POST', `/instances/${id}/databases`, { databases: [{ name: 'x' }] }],
    ['DELETE', `/instances/${id}/databases/x`],
    ['GET', `/instances/${id}/users`],
    ['POST', `/instances/${id}/users`, { users: [{ name: 'x', password: 'y' }] }],
    ['PUT', `/instances/${id}/users`, { users: [{ name: 'x', password: 'y' }] }],
    ['GET', `/instances/${id}/users/x`],
    ['PUT', `/instances/${id}/users/x`, { user: { password: 'z' } }],
    ['DELETE', `/instances/${id}/users/x`],
    ['GET', `/instances/${id}/users/x/databases`],
    ['PUT', `/instances/${id}/users/x/databases`, { databases: [{ name: 'x' }] }],
    ['DELETE', `/instances/${id}/users/x/databases/x`],
    ['GET', `/instances/${id}/root`],
    ['POST', `/instances/${id}/root`],
    ['DELETE', `/instances/${id}/root`],
  ];
  const as = async (
    tenant: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<number> =>
    (
      await fetch(`${base}/v1.0/${tenant}${path}`, {
        method,
        headers: {
          'x-auth-token': bob,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    ).status;
  for (const [method, path, body] of routes) {
    assert.equal(
      await as(project, method, path, body),
      403,
      `${method} ${path} under the other project's tenant`,
    );
    assert.equal(
      await as(bobProject, method, path, body),
      404,
      `${method} ${path} under bob's own tenant`,
    );
  }
  assert.equal(await as(project, 'GET', '/instances'), 403);
  assert.deepEqual(
    (
      (await (
        await fetch(`${base}/v1.0/${bobProject}/instances`, { headers: { 'x-auth-token': bob } })
      ).json()) as Json
    )['instances'],
    [],
  );
  const still = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
  assert.deepEqual([still['name'], still['status']], ['private', 'ACTIVE'], 'nothing was changed');
  await api('DELETE', `/instances/${id}`);
});

test('quotas: Trove defaults, consumed by create and given back by delete; 413 past them; admins change them', async () => {
  const quotas = async (): Promise<{ instances: number; ram: number; volumes: number }> => {
    const rows = (await api('GET', `/mgmt/quotas/${project}`)).json['quotas'] as Json[];
    const used = (name: string): number =>
      Number(rows.find((q) => q['resource'] === name)?.['in_use'] ?? 0);
    return { instances: used('instances'), ram: used('ram'), volumes: used('volumes') };
  };
  // Earlier tests' deletes must have finished: they give quota back.
  for (
    let i = 0;
    i < 100 && ((await api('GET', '/instances')).json['instances'] as Json[]).length > 0;
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  const before = await quotas();
  const tooBig = await api('POST', '/instances', pg({ volume: { size: 11 } }));
  assert.deepEqual(tooBig.json, {
    overLimit: {
      code: 413,
      message: 'Volume size 11 GB exceeds the maximum of 10 GB for one instance.',
    },
  });
  assert.equal(
    (await api('PUT', `/mgmt/quotas/${project}`, { quotas: { volumes: before.volumes + 2 } }))
      .status,
    200,
  );
  const created = await api('POST', '/instances', pg({ name: 'counted', volume: { size: 2 } }));
  assert.equal(created.status, 200);
  const id = (created.json['instance'] as Json)['id'] as string;
  const during = await quotas();
  assert.deepEqual(
    [during.instances - before.instances, during.ram - before.ram, during.volumes - before.volumes],
    [1, 2048, 2],
  );
  const over = await api('POST', '/instances', pg({ name: 'one-too-many', volume: { size: 1 } }));
  assert.deepEqual(over.json, {
    overLimit: { code: 413, message: "Quota exceeded for resources: ['volumes']." },
  });
  const limits = (await api('GET', '/limits')).json['limits'] as Json[];
  assert.deepEqual(limits[0], {
    verb: 'ABSOLUTE',
    max_instances: 10,
    max_ram: -1,
    max_backups: 50,
    max_volumes: before.volumes + 2,
  });
  assert.equal(limits.filter((l) => l['unit'] === 'MINUTE').length, 5);
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  await api('DELETE', `/instances/${id}`);
  await until(id, (i) => i['gone'] === true, 'deleted');
  const after = await quotas();
  assert.deepEqual([after.instances, after.volumes], [before.instances, before.volumes]);
  const bad = await api('PUT', `/mgmt/quotas/${project}`, { quotas: { instances: -5 } });
  assert.equal(bad.status, 400);
  assert.equal((await api('PUT', `/mgmt/quotas/${project}`, { quotas: { gpus: 1 } })).status, 404);
  await api('PUT', `/mgmt/quotas/${project}`, { quotas: { volumes: 40 } });
});

test('admin_token acts as an admin of any project; reset_status is admin-only; /volume-types lists the local type', async () => {
  const asAdminToken = await fetch(`${base}/v1.0/some-other-project/instances`, {
    headers: { 'x-auth-token': 'static-admin-token-for-tests' },
  });
  assert.equal(asAdminToken.status, 200);
  assert.deepEqual(await asAdminToken.json(), { instances: [] });
  assert.equal(
    (
      await fetch(`${base}/v1.0/${project}/instances`, {
        headers: { 'x-auth-token': 'static-admin-token-for-tests-not' },
      })
    ).status,
    401,
  );

  const created = await api('POST', '/instances', pg({ name: 'to-reset' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  assert.equal((await api('POST', `/instances/${id}/action`, { reset_status: {} })).status, 202);
  const reset = await until(id, (i) => i['operating_status'] === 'ERROR', 'reset');
  assert.equal(reset['status'], 'ACTIVE');
  assert.equal(
    (await api('POST', `/instances/${id}/action`, { reset_status: {}, restart: {} })).status,
    400,
    'one action at a time',
  );
  await api('DELETE', `/instances/${id}`);

  assert.deepEqual((await api('GET', '/volume-types')).json, {
    volume_types: [
      {
        id: 'local',
        name: 'local',
        is_public: true,
        description: "A directory on the instance's host, sized by volume.size",
      },
    ],
  });
});

test('lists page with limit and marker and a next link; nics, volume type, zone and locality are recorded', async () => {
  const ids: string[] = [];
  for (const name of ['page-a', 'page-b', 'page-c']) {
    const created = await api(
      'POST',
      '/instances',
      pg({
        name,
        availability_zone: 'nova',
        locality: 'anti-affinity',
        nics: [{ 'net-id': 'n1' }],
        volume: { size: 1, type: 'local' },
      }),
    );
    assert.equal(created.status, 200, JSON.stringify(created.json));
    ids.push((created.json['instance'] as Json)['id'] as string);
  }
  const first = await api('GET', '/instances?limit=2');
  const page1 = first.json['instances'] as Json[];
  assert.equal(page1.length, 2);
  const next = ((first.json['links'] as Json[])[0] as Json)['href'] as string;
  assert.match(next, /\/instances\?limit=2&marker=/);
  const second = await api('GET', next.slice(next.indexOf('/instances')));
  const seen = [...page1, ...(second.json['instances'] as Json[])].map((i) => i['id']);
  for (const id of ids) assert.ok(seen.includes(id), `${id} is on one of the pages`);
  assert.equal(new Set(seen).size, seen.length, 'no instance on two pages');
  const shown = (await api('GET', `/instances/${ids[0] ?? ''}`)).json['instance'] as Json;
  assert.equal(shown['locality'], 'anti-affinity');
  assert.equal((await api('GET', '/instances?marker=nonsense')).status, 400);
  for (const id of ids) await api('DELETE', `/instances/${id}`);
});
