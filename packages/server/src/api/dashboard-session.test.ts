// The console's session cookie: sign-in by password or token, the cookie's attributes, the API
// accepting it besides X-Auth-Token, cross-site refusals, the project switch and the sign-out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestApi, type TestApi } from './app-fixture.js';

let api: TestApi;
let app: FastifyInstance;
before(async () => {
  api = await startTestApi();
  app = api.app;
});
after(async () => {
  await api.close();
});

const HOST = '127.0.0.1:8779';
const ORIGIN = `http://${HOST}`;

/** Signs in as the admin; the cookie header a browser would send back and the CSRF value. */
async function signIn(): Promise<{ cookie: string; csrf: string; body: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers: { host: HOST, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    payload: { username: 'admin', password: 'admin-secret', project: 'admin' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const set = [res.headers['set-cookie'] ?? []].flat();
  const pairs = set.map((c) => c.split(';')[0] ?? '');
  const csrf = (pairs.find((p) => p.startsWith('cellar_csrf=')) ?? '').slice(12);
  return { cookie: pairs.join('; '), csrf, body: res.json() };
}

test('a sign-in sets an HttpOnly SameSite=Strict session cookie and answers who signed in', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers: { host: HOST },
    payload: { username: 'admin', password: 'admin-secret', project: 'admin' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const session = [res.headers['set-cookie'] ?? []]
    .flat()
    .find((c) => c.startsWith('cellar_session='));
  assert.match(session ?? '', /; HttpOnly/);
  assert.match(session ?? '', /; SameSite=Strict/);
  assert.doesNotMatch(session ?? '', /; Secure/, 'plain HTTP: a Secure cookie would be dropped');
  const body = res.json<Record<string, unknown>>();
  assert.equal(body['project_id'], api.adminProject);
  assert.equal(body['user'], 'admin');
  assert.deepEqual(body['projects'], [{ id: api.adminProject, name: 'admin' }]);
});

test('a wrong password is refused with 401 naming the problem, and no cookie', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers: { host: HOST },
    payload: { username: 'admin', password: 'wrong', project: 'admin' },
  });
  assert.equal(res.statusCode, 401);
  assert.match(res.body, /user name or password is wrong/);
  assert.equal(res.headers['set-cookie'], undefined);
});

test('the cookie authenticates reads, and writes that carry the CSRF header from this origin', async () => {
  const { cookie, csrf } = await signIn();
  const list = await app.inject({
    method: 'GET',
    url: `/v1.0/${api.adminProject}/instances`,
    headers: { host: HOST, cookie },
  });
  assert.equal(list.statusCode, 200, list.body);
  const write = await app.inject({
    method: 'POST',
    url: `/v1.0/${api.adminProject}/configurations`,
    headers: { host: HOST, cookie, origin: ORIGIN, 'x-cellar-csrf': csrf },
    payload: { configuration: { name: 'c', values: {}, datastore: { type: 'postgresql' } } },
  });
  assert.notEqual(write.statusCode, 401);
  assert.notEqual(write.statusCode, 403, write.body);
});

test("a session of one project reaches nothing of another's", async () => {
  const elsewhere = await api.identity.createProject('stranger');
  const { cookie } = await signIn();
  const res = await app.inject({
    method: 'GET',
    url: `/v1.0/${elsewhere}/instances`,
    headers: { host: HOST, cookie },
  });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /cannot act on project/);
});

test('a state-changing request from another origin is refused, with or without the header', async () => {
  const { cookie, csrf } = await signIn();
  const url = `/v1.0/${api.adminProject}/instances/x/action`;
  const payload = { restart: {} };
  const cases: Record<string, string>[] = [
    { origin: 'http://evil.example', 'x-cellar-csrf': csrf },
    { 'sec-fetch-site': 'cross-site', 'x-cellar-csrf': csrf },
    { origin: ORIGIN },
    { origin: ORIGIN, 'x-cellar-csrf': 'forged' },
  ];
  for (const extra of cases) {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { host: HOST, cookie, ...extra },
      payload,
    });
    assert.equal(res.statusCode, 403, JSON.stringify(extra));
    assert.match(res.body, /CELLAR_CROSS_SITE_REFUSED|cookie-authenticated/);
  }
  const forgedSignIn = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers: { host: HOST, origin: 'http://evil.example' },
    payload: { username: 'admin', password: 'admin-secret' },
  });
  assert.equal(forgedSignIn.statusCode, 403);
});

test('a signed-in user switches to another project they hold a role on, and not to others', async () => {
  const other = await api.identity.createProject('other');
  const adminUser = await api.control.db
    .selectFrom('users')
    .select('id')
    .where('name', '=', 'admin')
    .executeTakeFirstOrThrow();
  await api.control.db
    .insertInto('role_assignments')
    .values({ user_id: adminUser.id, project_id: other, role: 'admin' })
    .execute();
  await api.identity.createProject('elsewhere');
  const { cookie, csrf } = await signIn();
  const headers = { host: HOST, cookie, origin: ORIGIN, 'x-cellar-csrf': csrf };
  const switched = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers,
    payload: { project: 'other' },
  });
  assert.equal(switched.statusCode, 200, switched.body);
  assert.equal(switched.json<Record<string, unknown>>()['project_id'], other);
  const refused = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers,
    payload: { project: 'elsewhere' },
  });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.body, /no role on project elsewhere/);
});

test('a token signs in too, and signing out revokes the session', async () => {
  const token = await api.token('admin', 'admin-secret', 'admin');
  const res = await app.inject({
    method: 'POST',
    url: '/dashboard/api/session',
    headers: { host: HOST },
    payload: { token },
  });
  assert.equal(res.statusCode, 200, res.body);
  const { cookie } = await signIn();
  const out = await app.inject({
    method: 'DELETE',
    url: '/dashboard/api/session',
    headers: { host: HOST, cookie, origin: ORIGIN },
  });
  assert.equal(out.statusCode, 204);
  const after = await app.inject({
    method: 'GET',
    url: '/dashboard/api/session',
    headers: { host: HOST, cookie },
  });
  assert.equal(after.statusCode, 401);
});
