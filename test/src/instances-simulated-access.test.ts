// The control plane end to end with the simulated compute driver: what a project may do with its
// instances' databases, users and root, what another project may not, and quotas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, type Json } from '@cellar/server/testing';
import { runTool } from './support/repo.js';
import { waitFor } from './support/wait-for.js';
import { pgInstance as pg, simulatedPlaneOfFile } from './support/simulated-plane.js';

const plane = simulatedPlaneOfFile();
const { api, until } = plane;

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

/** Every route under one instance, with a body where it takes one. */
function instanceRoutes(id: string, operationId: string): [string, string, unknown?][] {
  return [
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
    ['GET', `/instances/${id}/log`],
    ['POST', `/instances/${id}/log`, { name: 'general' }],
    ['GET', `/instances/${id}/log/general`],
  ];
}

test("another project's token gets 403 on this project's paths and 404 for this project's instances, in every route", async () => {
  const created = await api('POST', '/instances', pg({ name: 'private' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  await until(id, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY');
  const set = ['--set', `DEFAULT.state_path=${plane.state}`];
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
  const { token: bob, project: bobProject } = await signIn(plane.base, 'bob', 'bob-pw', 'team-b');
  const timeline = await api('GET', `/instances/${id}/operations`);
  const operationId = (timeline.json['operations'] as Json[])[0]?.['id'] as string;
  const routes = instanceRoutes(id, operationId);
  const as = async (
    tenant: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<number> =>
    (
      await fetch(`${plane.base}/v1.0/${tenant}${path}`, {
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
      await as(plane.project, method, path, body),
      403,
      `${method} ${path} under the other project's tenant`,
    );
    assert.equal(
      await as(bobProject, method, path, body),
      404,
      `${method} ${path} under bob's own tenant`,
    );
  }
  assert.equal(await as(plane.project, 'GET', '/instances'), 403);
  assert.deepEqual(
    (
      (await (
        await fetch(`${plane.base}/v1.0/${bobProject}/instances`, {
          headers: { 'x-auth-token': bob },
        })
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
    const rows = (await api('GET', `/mgmt/quotas/${plane.project}`)).json['quotas'] as Json[];
    const used = (name: string): number =>
      Number(rows.find((q) => q['resource'] === name)?.['in_use'] ?? 0);
    return { instances: used('instances'), ram: used('ram'), volumes: used('volumes') };
  };
  // Earlier tests' deletes must have finished: they give quota back.
  await waitFor(
    async () => ((await api('GET', '/instances')).json['instances'] as Json[]).length === 0,
    { timeout: 15_000, what: "the earlier tests' instances to be deleted" },
  );
  const before = await quotas();
  const tooBig = await api('POST', '/instances', pg({ volume: { size: 11 } }));
  assert.deepEqual(tooBig.json, {
    overLimit: {
      code: 413,
      message: 'Volume size 11 GB exceeds the maximum of 10 GB for one instance.',
    },
  });
  assert.equal(
    (await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { volumes: before.volumes + 2 } }))
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
  const bad = await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { instances: -5 } });
  assert.equal(bad.status, 400);
  assert.equal(
    (await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { gpus: 1 } })).status,
    404,
  );
  await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { volumes: 40 } });
});
