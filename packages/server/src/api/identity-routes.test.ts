// The built-in identity endpoint and the token checks in front of every Trove route: Keystone's
// bodies and statuses for password authentication, validation, revocation and expiry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ControlDatabase } from '../db/connect.js';
import { Identity } from '../identity/identity.js';
import { startTestApi, type TestApi } from './app-fixture.js';

let api: TestApi;
let app: FastifyInstance;
let adminProject: string;
let identity: Identity;
let token: TestApi['token'];
let control: ControlDatabase;
before(async () => {
  api = await startTestApi();
  ({ app, adminProject, identity, token, control } = api);
});
after(async () => {
  await api.close();
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
  // A lifetime of zero: the token has expired the moment it is issued, with no wait.
  const shortLived = new Identity(control.db, 0);
  const issued = await shortLived.authenticate('admin', 'admin-secret', { name: 'admin' });
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
