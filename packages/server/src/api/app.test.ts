// What every route shares: unknown routes and request bodies answered as Trove faults, the
// OpenAPI document, and the policy that guards each route.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ControlDatabase } from '../db/connect.js';
import type { Identity } from '../identity/identity.js';
import { Policy } from '../policy/policy.js';
import { buildTestApi, startTestApi, type TestApi } from './app-fixture.js';

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

test('unknown routes are 404 itemNotFound; the OpenAPI document is served', async () => {
  const res = await app.inject({ method: 'GET', url: '/nothing/here' });
  assert.deepEqual(res.json(), {
    itemNotFound: { code: 404, message: 'The resource could not be found.' },
  });
  const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(doc.statusCode, 200);
  assert.ok(doc.json<{ paths: Record<string, unknown> }>().paths['/v1.0/{tenant_id}/flavors']);
});

test("the policy guards every route: an operator's override refuses members with 403 naming the rule", async () => {
  const strict = await buildTestApi(control, identity, {
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
