import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { Identity } from '../identity/identity.js';
import { buildApi, troveQuotaDefaults, troveRateLimits } from './app.js';
import { defineDatastoreServer } from '@cellar/plugin-api';
import { syncCatalog } from '../datastores/catalog.js';
import { Policy } from '../policy/policy.js';

let control: ControlDatabase;
let app: FastifyInstance;
let identity: Identity;
let adminProject: string;
const quiet = { error: () => undefined };

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  identity = new Identity(control.db, 3600);
  await identity.bootstrap('admin-secret');
  adminProject = (
    await control.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', 'admin')
      .executeTakeFirstOrThrow()
  ).id;
  await syncCatalog(control.db, [
    {
      name: 'postgresql',
      package: '@cellar/datastore-postgresql',
      version: '0.1.0',
      capabilities: [],
      server: defineDatastoreServer({
        name: 'postgresql',
        versions: async () => [
          { name: '16', location: '/pg16', active: true },
          { name: '15', location: '/pg15', active: false },
        ],
      }),
    },
  ]);
  app = await buildApi({
    db: control.db,
    changeStamp: control.changeStamp,
    identity,
    log: quiet,
    version: '0.1.0',
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey: 'test-control-key',
      datastores: new Map(),
      runOperation: async () => undefined,
      guest: () => {
        throw new Error('no guests here');
      },
    },
    quotaDefaults: troveQuotaDefaults,
    rateLimits: troveRateLimits,
  });
});
after(async () => {
  await app.close();
  await control.close();
});

async function token(user: string, password: string, project: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/identity/v3/auth/tokens',
    payload: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { id: 'default' }, password } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return String(res.headers['x-subject-token']);
}

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

test('password authentication issues a project-scoped token with a database endpoint in its catalog', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/identity/v3/auth/tokens',
    headers: { host: '127.0.0.1:8779' },
    payload: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', password: 'admin-secret' } },
        },
        scope: { project: { name: 'admin' } },
      },
    },
  });
  assert.equal(res.statusCode, 201);
  assert.ok(typeof res.headers['x-subject-token'] === 'string');
  const body = res.json<{
    token: {
      project: { id: string };
      roles: { name: string }[];
      catalog: { type: string; endpoints: { url: string }[] }[];
    };
  }>();
  assert.equal(body.token.project.id, adminProject);
  assert.ok(body.token.roles.some((r) => r.name === 'admin'));
  const database = body.token.catalog.find((c) => c.type === 'database');
  assert.equal(database?.endpoints[0]?.url, `http://127.0.0.1:8779/v1.0/${adminProject}`);
});

test("a wrong password answers 401 in Keystone's error body, the same as an unknown user", async () => {
  for (const user of ['admin', 'nobody']) {
    const res = await app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, password: 'wrong' } },
          },
          scope: { project: { name: 'admin' } },
        },
      },
    });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), {
      error: {
        code: 401,
        title: 'Unauthorized',
        message:
          'The request you have made requires authentication: the user name or password is wrong',
      },
    });
  }
});

test('Trove routes need a token for the tenant in the path: 401 without, 403 for another project', async () => {
  const none = await app.inject({ method: 'GET', url: `/v1.0/${adminProject}/flavors` });
  assert.equal(none.statusCode, 401);
  assert.deepEqual(none.json(), {
    unauthorized: {
      code: 401,
      message: 'The request you have made requires authentication: no X-Auth-Token header',
    },
  });
  const bogus = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors`,
    headers: { 'x-auth-token': 'not-a-token' },
  });
  assert.equal(bogus.statusCode, 401);

  const otherProject = await identity.createProject('other');
  await identity.createUser('alice', 'alice-secret', otherProject, ['member']);
  const alice = await token('alice', 'alice-secret', 'other');
  const res = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors`,
    headers: { 'x-auth-token': alice },
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<{ forbidden: { code: number } }>().forbidden.code, 403);
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

test('tokens can be validated with X-Subject-Token and revoked; a revoked token is refused', async () => {
  const admin = await token('admin', 'admin-secret', 'admin');
  const other = await token('admin', 'admin-secret', 'admin');
  const checked = await app.inject({
    method: 'GET',
    url: '/identity/v3/auth/tokens',
    headers: { 'x-auth-token': admin, 'x-subject-token': other },
  });
  assert.equal(checked.statusCode, 200);
  const revoked = await app.inject({
    method: 'DELETE',
    url: '/identity/v3/auth/tokens',
    headers: { 'x-auth-token': admin, 'x-subject-token': other },
  });
  assert.equal(revoked.statusCode, 204);
  const gone = await app.inject({
    method: 'GET',
    url: '/identity/v3/auth/tokens',
    headers: { 'x-auth-token': admin, 'x-subject-token': other },
  });
  assert.equal(gone.statusCode, 404);
  const refused = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors`,
    headers: { 'x-auth-token': other },
  });
  assert.equal(refused.statusCode, 401);
  assert.match(
    refused.json<{ unauthorized: { message: string } }>().unauthorized.message,
    /revoked/,
  );
});

test('an expired token is refused with the time it expired', async () => {
  const shortLived = new Identity(control.db, 0.001);
  const issued = await shortLived.authenticate('admin', 'admin-secret', { name: 'admin' });
  await new Promise((r) => setTimeout(r, 5));
  const res = await app.inject({
    method: 'GET',
    url: `/v1.0/${adminProject}/flavors`,
    headers: { 'x-auth-token': issued.token },
  });
  assert.equal(res.statusCode, 401);
  assert.match(
    res.json<{ unauthorized: { message: string } }>().unauthorized.message,
    /expired at/,
  );
});

test('unknown routes are 404 itemNotFound; the OpenAPI document is served', async () => {
  const res = await app.inject({ method: 'GET', url: '/nothing/here' });
  assert.deepEqual(res.json(), {
    itemNotFound: { code: 404, message: 'The resource could not be found.' },
  });
  const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(doc.statusCode, 200);
  assert.ok(doc.json<{ paths: Record<string, unknown> }>().paths['/v1.0/{tenant_id}/flavors']);
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
    itemNotFound: { code: 404, message: 'Datastore oracle cannot be found.' },
  });
});

test("the policy guards every route: an operator's override refuses members with 403 naming the rule", async () => {
  const strict = await buildApi({
    db: control.db,
    changeStamp: control.changeStamp,
    identity,
    log: quiet,
    version: '0.1.0',
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey: 'k',
      datastores: new Map(),
      runOperation: async () => undefined,
      guest: () => {
        throw new Error('no guests here');
      },
    },
    quotaDefaults: troveQuotaDefaults,
    rateLimits: troveRateLimits,
    policy: new Policy({ 'flavor:index': 'role:admin' }),
  });
  try {
    const project = await identity.createProject('policy-test');
    await identity.createUser('carol', 'carol-secret', project, ['member']);
    const carol = (await identity.authenticate('carol', 'carol-secret', { name: 'policy-test' }))
      .token;
    const refused = await strict.inject({
      method: 'GET',
      url: `/v1.0/${project}/flavors`,
      headers: { 'x-auth-token': carol },
    });
    assert.deepEqual(refused.json(), {
      forbidden: { code: 403, message: 'Policy does not allow flavor:index to be performed.' },
    });
    const admin = (await identity.authenticate('admin', 'admin-secret', { name: 'admin' })).token;
    assert.equal(
      (
        await strict.inject({
          method: 'GET',
          url: `/v1.0/${adminProject}/flavors`,
          headers: { 'x-auth-token': admin },
        })
      ).statusCode,
      200,
    );
    assert.equal(
      (
        await strict.inject({
          method: 'GET',
          url: `/v1.0/${project}/datastores`,
          headers: { 'x-auth-token': carol },
        })
      ).statusCode,
      200,
      'other rules keep their defaults',
    );
  } finally {
    await strict.close();
  }
});

test('request bodies: malformed JSON is 400, a non-JSON body 415, an oversized one 413, all as Trove faults', async () => {
  const admin = await token('admin', 'admin-secret', 'admin');
  const post = (payload: string, contentType: string) =>
    app.inject({
      method: 'POST',
      url: `/v1.0/${adminProject}/instances`,
      headers: { 'x-auth-token': admin, 'content-type': contentType },
      payload,
    });
  const malformed = await post('{"instance": ', 'application/json');
  assert.equal(malformed.statusCode, 400);
  assert.match(
    malformed.json<{ badRequest: { message: string } }>().badRequest.message,
    /not valid JSON/,
  );
  const text = await post('name=db1', 'text/plain');
  assert.deepEqual(text.json(), {
    badMediaType: {
      code: 415,
      message: "Request bodies must be JSON (Content-Type: application/json), not 'text/plain'.",
    },
  });
  const huge = await post(
    JSON.stringify({ instance: { name: 'x'.repeat(2 * 1024 * 1024) } }),
    'application/json',
  );
  assert.deepEqual(huge.json(), {
    overLimit: { code: 413, message: 'The request body is larger than 1048576 bytes.' },
  });
});
