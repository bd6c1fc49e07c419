// The operations resource: an instance's timeline at /instances/{id}/operations[/{op}], kept
// out of the instance body, found only under the instance it belongs to, and documented.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../../db/connect.js';
import { recordingApi } from '../../testing/recording-api.js';

const TOKEN = 'operations-test-admin';
let control: ControlDatabase;
let app: FastifyInstance;

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  app = await recordingApi(control, TOKEN);
});
after(async () => {
  await app.close();
  await control.close();
});

const get = async (path: string) => {
  const answer = await app.inject({ url: path, headers: { 'x-auth-token': TOKEN } });
  return { status: answer.statusCode, json: answer.json<Record<string, unknown>>() };
};

async function create(name: string): Promise<string> {
  const answer = await app.inject({
    method: 'POST',
    url: '/v1.0/p1/instances',
    headers: { 'x-auth-token': TOKEN },
    payload: { instance: { name, flavorRef: '1', volume: { size: 1 } } },
  });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json<{ instance: { id: string } }>().instance.id;
}

interface OperationBody {
  id: string;
  kind: string;
  status: string;
  steps: { name: string; status: string }[];
  links: { href: string; rel: string }[];
}

test("an instance's operations are served on their own, and its body has no operation field", async () => {
  const id = await create('timeline');
  const shown = await get(`/v1.0/p1/instances/${id}`);
  assert.equal(shown.status, 200);
  const instance = shown.json['instance'] as Record<string, unknown>;
  assert.equal('operation' in instance, false);
  for (const [field, value] of Object.entries(instance))
    if (!['links', 'flavor', 'datastore', 'access', 'volume', 'fault'].includes(field))
      assert.ok(typeof value !== 'object' || value === null, `${field} is a short scalar`);

  const listed = await get(`/v1.0/p1/instances/${id}/operations`);
  assert.equal(listed.status, 200);
  const [op] = listed.json['operations'] as OperationBody[];
  assert.ok(op);
  assert.deepEqual([op.kind, op.status], ['create', 'pending']);
  assert.deepEqual(
    op.steps.map((s) => s.name),
    ['network', 'volume', 'server', 'prepare', 'wait-for-guest'],
  );
  assert.equal(
    op.links[0]?.href,
    `http://localhost:80/v1.0/p1/instances/${id}/operations/${op.id}`,
  );

  const one = await get(`/v1.0/p1/instances/${id}/operations/${op.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json['operation'], op);
});

// This test's token is the admin token, which reaches every project's instances: that a member
// gets 404 for another project's instance is pinned in test/src/admin.test.ts.
test('an operation is found only under its own instance', async () => {
  const a = await create('a');
  const b = await create('b');
  const [opB] = (await get(`/v1.0/p1/instances/${b}/operations`)).json[
    'operations'
  ] as OperationBody[];
  assert.ok(opB);
  const notFound = [
    `/v1.0/p1/instances/${a}/operations/${opB.id}`,
    `/v1.0/p1/instances/${a}/operations/no-such-operation`,
    `/v1.0/p1/instances/no-such-instance/operations`,
  ];
  for (const path of notFound) {
    const answer = await get(path);
    assert.equal(answer.status, 404, path);
    assert.equal((answer.json['itemNotFound'] as { code?: number } | undefined)?.code, 404, path);
  }
});

test('the OpenAPI document describes the operations routes', async () => {
  const document = app.swagger() as { paths: Record<string, { get?: unknown }> };
  assert.ok(document.paths['/v1.0/{tenant_id}/instances/{id}/operations']?.get);
  assert.ok(document.paths['/v1.0/{tenant_id}/instances/{id}/operations/{operation_id}']?.get);
});
