// Errors Fastify raises itself (the router's parameter limit, URL decoding, content-type parsing,
// body limits, JSON) reach clients as Trove fault bodies with their own 4xx status, never in
// Fastify's `{"error","code","statusCode"}` shape: Trove's clients read only the fault body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { Identity } from '../identity/identity.js';
import { openApiDocument, troveRateLimits } from './app.js';
import { buildTestApi } from './app-fixture.js';

let control: ControlDatabase;
let app: FastifyInstance;
let token = '';
let project = '';

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  const identity = new Identity(control.db, 3600);
  await identity.bootstrap('admin-secret');
  app = await buildTestApi(control, identity, {
    rateLimits: { ...troveRateLimits, get: 10_000, post: 10_000, put: 10_000, delete: 10_000 },
  });
  const signIn = await app.inject({
    method: 'POST',
    url: '/identity/v3/auth/tokens',
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
  assert.equal(signIn.statusCode, 201, signIn.body);
  token = String(signIn.headers['x-subject-token']);
  project = signIn.json<{ token: { project: { id: string } } }>().token.project.id;
});
after(async () => {
  await app.close();
  await control.close();
});

/** Asserts a Trove fault body (one key, its code the status) with a 4xx status; returns its key. */
function assertFault(
  res: { statusCode: number; body: string },
  what: string,
  status?: number,
): string {
  const where = `${what} answered ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, where);
  if (status !== undefined) assert.equal(res.statusCode, status, where);
  const body = JSON.parse(res.body) as Record<string, { code?: unknown; message?: unknown }>;
  const keys = Object.keys(body);
  assert.equal(keys.length, 1, where);
  const fault = body[keys[0]!]!;
  assert.equal(fault.code, res.statusCode, where);
  assert.equal(typeof fault.message, 'string', where);
  return keys[0]!;
}

const long = 'x'.repeat(300);
const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Trove shows a project's quotas for any project id, known or not: the defaults, with a 200. */
const answersAnyId = new Set(['GET /v1.0/{tenant_id}/mgmt/quotas/{project}']);

test('every route of the OpenAPI document answers a 300-character id with a Trove fault', async () => {
  const document = (await openApiDocument()) as { paths: Record<string, Record<string, unknown>> };
  let sent = 0;
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of methods.filter((m) => operations[m] !== undefined)) {
      const route = `${method.toUpperCase()} ${path}`;
      const longIds = path.replaceAll(/\{(\w+)\}/g, (_m, name: string) =>
        name === 'tenant_id' ? project : long,
      );
      const longProject = path.replaceAll(/\{(\w+)\}/g, (_m, name: string) =>
        name === 'tenant_id' ? long : 'x',
      );
      for (const url of longIds.includes(long) ? [longIds, longProject] : [longProject]) {
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { 'x-auth-token': token },
          ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
        });
        const what = `${route} with ${url === longIds ? 'a long id' : 'a long project'}`;
        if (url === longIds && answersAnyId.has(route)) assert.equal(res.statusCode, 200, what);
        else assertFault(res, what);
        sent += 1;
      }
    }
  }
  assert.ok(sent > 60, `only ${sent} requests were sent`);
});

test("Fastify's own refusals come as Trove faults with their own status", async () => {
  const call = (url: string, extra: Record<string, unknown> = {}) =>
    app.inject({ method: 'GET', url, headers: { 'x-auth-token': token }, ...extra });
  assertFault(
    await call(`/v1.0/${project}/instances/${'x'.repeat(5000)}`),
    'a 5000-character id',
    414,
  );
  assertFault(await call(`/v1.0/${project}/instances/%E0%A4%A`), 'a bad URL encoding', 400);
  const post = (payload: string, contentType: string) =>
    app.inject({
      method: 'POST',
      url: `/v1.0/${project}/instances`,
      headers: { 'x-auth-token': token, 'content-type': contentType },
      payload,
    });
  assertFault(await post('{"instance": ', 'application/json'), 'bad JSON', 400);
  assertFault(await post('', 'application/json'), 'an empty JSON body', 400);
  assertFault(await post('name=x', 'application/x-www-form-urlencoded'), 'a form body', 415);
  assertFault(await post('x', 'text/plain'), 'a text body', 415);
  assertFault(
    await post(`"${'x'.repeat(1024 * 1024 + 1)}"`, 'application/json'),
    'a large body',
    413,
  );
});
