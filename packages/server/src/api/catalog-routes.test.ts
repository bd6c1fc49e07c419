// The catalog routes a user reads before creating anything: the versions document, flavors and
// datastores with their versions, in Trove's views and faults.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Identity } from '../identity/identity.js';
import { startTestApi, type TestApi } from './app-fixture.js';

let api: TestApi;
let app: FastifyInstance;
let adminProject: string;
let identity: Identity;
let token: TestApi['token'];
before(async () => {
  api = await startTestApi();
  ({ app, adminProject, identity, token } = api);
});
after(async () => {
  await api.close();
});

test('GET / is the versions document, without authentication', async () => {
  const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'db.example:8779' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    versions: [
      {
        id: 'v1.0',
        status: 'CURRENT',
        updated: '2012-08-01T00:00:00Z',
        links: [{ rel: 'self', href: 'http://db.example:8779/v1.0/' }],
      },
    ],
  });
});

test("flavors: the classic Nova catalog, in Trove's view; an unknown one is 404 itemNotFound", async () => {
  const admin = await token('admin', 'admin-secret', 'admin');
  const res = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors`,
    headers: { 'x-auth-token': admin, host: 'h:1' },
  });
  assert.equal(res.statusCode, 200);
  const flavors = res.json<{
    flavors: {
      id: number;
      str_id: string;
      name: string;
      ram: number;
      links: { href: string; rel: string }[];
    }[];
  }>().flavors;
  assert.deepEqual(
    flavors.map((f) => [f.id, f.name, f.ram]),
    [
      [1, 'm1.tiny', 512],
      [2, 'm1.small', 2048],
      [3, 'm1.medium', 4096],
      [4, 'm1.large', 8192],
      [5, 'm1.xlarge', 16384],
    ],
  );
  assert.deepEqual(flavors[0]?.links, [
    { href: `http://h:1/v1.0/${adminProject}/flavors/1`, rel: 'self' },
    { href: 'http://h:1/flavors/1', rel: 'bookmark' },
  ]);
  const missing = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors/42`,
    headers: { 'x-auth-token': admin },
  });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    itemNotFound: { code: 404, message: 'Flavor 42 cannot be found.' },
  });
});

test('datastores: by id or name, with versions; members see active versions only, admins all with their state', async () => {
  const admin = await token('admin', 'admin-secret', 'admin');
  const list = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/datastores`,
    headers: { 'x-auth-token': admin },
  });
  assert.equal(list.statusCode, 200);
  const [pg] = list.json<{
    datastores: {
      id: string;
      name: string;
      default_version: string;
      versions: { name: string; active: boolean }[];
    }[];
  }>().datastores;
  assert.equal(pg?.name, 'postgresql');
  assert.deepEqual(
    pg?.versions.map((v) => [v.name, v.active]),
    [
      ['16', true],
      ['15', false],
    ],
  );

  const project = await identity.createProject('viewers');
  await identity.createUser('bob', 'bob-secret', project, ['member']);
  const bob = await token('bob', 'bob-secret', 'viewers');
  const byName = await app.inject({
    method: 'GET',
    url: `/v1.0/${project}/datastores/postgresql`,
    headers: { 'x-auth-token': bob },
  });
  const ds = byName.json<{
    datastore: {
      id: string;
      default_version: string;
      versions: { id: string; name: string; active?: boolean }[];
    };
  }>().datastore;
  assert.equal(ds.id, pg?.id);
  assert.deepEqual(
    ds.versions.map((v) => [v.name, v.active]),
    [['16', undefined]],
  );
  const version = await app.inject({
    method: 'GET',
    url: `/v1.0/${project}/datastores/postgresql/versions/16`,
    headers: { 'x-auth-token': bob },
  });
  assert.equal(
    version.json<{ version: { id: string; datastore: string } }>().version.id,
    ds.default_version,
  );
  const byUuid = await app.inject({
    method: 'GET',
    url: `/v1.0/${project}/datastores/versions/${ds.default_version}`,
    headers: { 'x-auth-token': bob },
  });
  assert.equal(byUuid.json<{ version: { datastore: string } }>().version.datastore, ds.id);
  const inactive = await app.inject({
    method: 'GET',
    url: `/v1.0/${project}/datastores/postgresql/versions/15`,
    headers: { 'x-auth-token': bob },
  });
  assert.equal(inactive.statusCode, 404);
  const unknown = await app.inject({
    method: 'GET',
    url: `/v1.0/${project}/datastores/oracle`,
    headers: { 'x-auth-token': bob },
  });
  assert.deepEqual(unknown.json(), {
    itemNotFound: {
      code: 404,
      message: 'Datastore oracle cannot be found; this deployment offers postgresql.',
    },
  });
});
