// The management API and the admin's reach through the HTTP layer, over an in-memory control
// database: Trove's 401 for non-admins on every /mgmt route, the policy table naming every route,
// and datastore versions disabled, made default and deleted by an admin.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { routeRules } from '../policy/route-rules.js';
import { startTestApi, type TestApi } from './app-fixture.js';

let api: TestApi;
let app: FastifyInstance;
let adminProject: string;
let memberProject: string;
let admin: string;
let member: string;
before(async () => {
  api = await startTestApi();
  ({ app, adminProject } = api);
  memberProject = await api.identity.createProject('team-m');
  await api.identity.createUser('mia', 'mia-pw', memberProject, ['member']);
  admin = await api.token('admin', 'admin-secret', 'admin');
  member = await api.token('mia', 'mia-pw', 'team-m');
});
after(async () => {
  await api.close();
});

const call = (token: string, method: string, url: string, payload?: object) =>
  app.inject({
    method: method as 'GET',
    url,
    headers: { 'x-auth-token': token },
    ...(payload === undefined ? {} : { payload }),
  });

test("every /mgmt route (and a quota change) answers a member Trove's 401 'User does not have admin privileges.'", async () => {
  const base = `/v1.0/${memberProject}/mgmt`;
  const routes: [string, string, object?][] = [
    ['GET', `${base}/instances`],
    ['GET', `${base}/instances/x`],
    ['POST', `${base}/instances/x/action`, { stop: {} }],
    ['GET', `${base}/instances/x/root`],
    ['GET', `${base}/instances/x/rpc_ping`],
    ['GET', `${base}/datastore-versions`],
    ['GET', `${base}/datastore-versions/x`],
    ['PATCH', `${base}/datastore-versions/x`, { active: false }],
    ['DELETE', `${base}/datastore-versions/x`],
    [
      'POST',
      `${base}/datastore-versions`,
      { version: { name: '9', datastore_name: 'postgresql', datastore_manager: 'postgresql' } },
    ],
  ];
  routes.push([
    'PUT',
    `/v1.0/${memberProject}/mgmt/quotas/${memberProject}`,
    { quotas: { instances: 99 } },
  ]);
  for (const [method, url, body] of routes) {
    const res = await call(member, method, url, body);
    assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
    assert.deepEqual(res.json(), {
      unauthorized: { code: 401, message: 'User does not have admin privileges.' },
    });
  }
});

test('every API route is in the policy table (an unnamed one would fall to the default rule)', () => {
  const document = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const missing: string[] = [];
  let checked = 0;
  for (const [path, methods] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1.0/{tenant_id}')) continue;
    for (const method of Object.keys(methods)) {
      const route = `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;
      checked++;
      if (routeRules[route] === undefined) missing.push(route);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(checked > 50, `only ${checked} routes were found in the OpenAPI document`);
});

test('datastore versions: an admin lists them with active and default, disables, picks the default, deletes an unused one', async () => {
  const base = `/v1.0/${adminProject}/mgmt/datastore-versions`;
  type Version = { id: string; name: string; active: boolean; default: boolean };
  const list = async (): Promise<Version[]> =>
    (await call(admin, 'GET', base)).json<{ versions: Version[] }>().versions;
  const byName = async (name: string): Promise<Version> => {
    const found = (await list()).find((v) => v.name === name);
    assert.ok(found, `version ${name} is listed`);
    return found;
  };
  assert.deepEqual(
    (await list()).map((v) => [v.name, v.active, v.default]),
    [
      ['16', true, true],
      ['15', false, false],
    ],
  );
  const v16 = await byName('16');
  const v15 = await byName('15');
  const shown = await call(admin, 'GET', `${base}/${v16.id}`);
  assert.equal(
    shown.json<{ version: { datastore_name: string } }>().version.datastore_name,
    'postgresql',
  );

  const notActive = await call(admin, 'PATCH', `${base}/${v15.id}`, { default: true });
  assert.equal(notActive.statusCode, 400);
  assert.match(notActive.body, /15 is not active: it is disabled.*Active versions: 16/);
  assert.equal(
    (await call(admin, 'PATCH', `${base}/${v15.id}`, { active: true, default: true })).statusCode,
    202,
  );
  assert.deepEqual([(await byName('15')).default, (await byName('16')).default], [true, false]);
  // A non-admin's datastore view follows: 15 is the default now.
  const datastores = await call(member, 'GET', `/v1.0/${memberProject}/datastores/postgresql`);
  assert.equal(
    datastores.json<{ datastore: { default_version: string } }>().datastore.default_version,
    v15.id,
  );

  assert.equal(
    (await call(admin, 'PATCH', `${base}/${v15.id}`, { active: false })).statusCode,
    202,
  );
  assert.deepEqual(
    [(await byName('15')).active, (await byName('15')).default, (await byName('16')).default],
    [false, false, true],
    'disabling the default hands it to the other active version',
  );
  const image = await call(admin, 'PATCH', `${base}/${v16.id}`, { image: 'abc' });
  assert.equal(image.statusCode, 400);
  assert.match(image.body, /image cannot be changed/);
  const create = await call(admin, 'POST', base, {
    version: { name: '16', datastore_name: 'postgresql', datastore_manager: 'postgresql' },
  });
  assert.equal(create.statusCode, 400);
  assert.match(create.body, /already exists/);

  assert.equal((await call(admin, 'DELETE', `${base}/${v15.id}`)).statusCode, 202);
  assert.equal((await call(admin, 'GET', `${base}/${v15.id}`)).statusCode, 404);
  assert.deepEqual(
    (await list()).map((v) => v.name),
    ['16'],
  );
});
