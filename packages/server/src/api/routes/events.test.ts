// The event stream over HTTP: a project's instance and operation changes as they are committed,
// resumed after Last-Event-ID without a gap or a repeat, deletions, and nothing of another project.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../../db/connect.js';
import { now } from '../../db/schema.js';
import { Identity } from '../../identity/identity.js';
import { EventStreamClient } from '../../testing/event-stream.js';
import { recordingApi } from '../../testing/recording-api.js';

const TOKEN = 'events-test-admin';
let control: ControlDatabase;
let app: FastifyInstance;
let base = '';

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  app = await recordingApi(control, TOKEN);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app.close();
  await control.close();
});

const follow = (project: string, token = TOKEN, headers: Record<string, string> = {}) =>
  EventStreamClient.open(`${base}/v1.0/${project}/events`, { 'x-auth-token': token, ...headers });

async function create(project: string, name: string): Promise<string> {
  const answer = await app.inject({
    method: 'POST',
    url: `/v1.0/${project}/instances`,
    headers: { 'x-auth-token': TOKEN },
    payload: { instance: { name, flavorRef: '1', volume: { size: 1 } } },
  });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json<{ instance: { id: string } }>().instance.id;
}

const rename = (project: string, id: string, name: string) =>
  app.inject({
    method: 'PUT',
    url: `/v1.0/${project}/instances/${id}`,
    headers: { 'x-auth-token': TOKEN },
    payload: { instance: { name } },
  });

test('a new instance and its operation arrive as events, and its deletion as deleted', async () => {
  const stream = await follow('p1');
  try {
    assert.equal(stream.status, 200);
    const id = await create('p1', 'watched');
    const shown = await stream.until(
      (e) => e.event === 'instance' && e.data['id'] === id,
      'of the instance',
    );
    assert.equal(shown.data['name'], 'watched');
    assert.equal(shown.data['status'], 'BUILD');
    const operation = await stream.until((e) => e.event === 'operation', 'of its operation');
    assert.equal(operation.data['instance_id'], id);
    assert.equal(operation.data['kind'], 'create');
    assert.ok(Array.isArray(operation.data['steps']));
    await control.db
      .updateTable('instances')
      .set({ deleted_at: now() })
      .where('id', '=', id)
      .execute();
    const gone = await stream.until((e) => e.data['deleted'] === true, 'saying it is deleted');
    assert.deepEqual(gone.data, { id, deleted: true });
  } finally {
    stream.close();
  }
});

test('a client that reconnects with Last-Event-ID gets every change after it, none twice', async () => {
  const first = await follow('p2');
  const id = await create('p2', 'v0');
  const seen = await first.until((e) => e.event === 'operation', 'of the create');
  first.close();
  assert.ok(seen.id);
  // Changes made while nobody follows.
  for (const name of ['v1', 'v2']) assert.equal((await rename('p2', id, name)).statusCode, 202);
  const resumed = await follow('p2', TOKEN, { 'last-event-id': seen.id });
  try {
    await resumed.until((e) => e.data['name'] === 'v2', 'with the last name');
    assert.equal(
      resumed.events[0]?.data['name'],
      'v2',
      'the two renames come as one, as it is now',
    );
    const ids = [...first.events, ...resumed.events].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `no event twice: ${ids.join(' ')}`);
    assert.equal((await rename('p2', id, 'v3')).statusCode, 202);
    await resumed.until((e) => e.data['name'] === 'v3', 'live after the backlog');
  } finally {
    resumed.close();
  }
});

test("another project's member sees nothing of this project, and is refused its stream", async () => {
  const identity = new Identity(control.db, 60);
  const other = await identity.createProject('team-b');
  await identity.createUser('bob', 'bob-pw', other, ['member']);
  const bob = await identity.authenticate('bob', 'bob-pw', { id: other });
  const refused = await follow('p3', bob.token);
  assert.equal(refused.status, 403);
  const own = await follow(other, bob.token);
  const watcher = await follow('p3');
  try {
    const id = await create('p3', 'private');
    await watcher.until((e) => e.data['id'] === id, 'in its own project');
    assert.equal((await rename('p3', id, 'still-private')).statusCode, 202);
    await watcher.until((e) => e.data['name'] === 'still-private', 'of the rename');
    // Bob's stream goes on with his own project's changes, and only those.
    const bobs = await create(other, 'bobs');
    await own.until((e) => e.data['id'] === bobs, 'of his own instance');
    const reached = new Set(
      own.events.map((e) => (e.event === 'operation' ? e.data['instance_id'] : e.data['id'])),
    );
    assert.deepEqual([...reached], [bobs]);
  } finally {
    own.close();
    watcher.close();
  }
});

test('a stream needs a token, and a Last-Event-ID it can read', async () => {
  const anonymous = await EventStreamClient.open(`${base}/v1.0/p1/events`, {});
  assert.equal(anonymous.status, 401);
  const garbled = await follow('p1', TOKEN, { 'last-event-id': 'yesterday' });
  assert.equal(garbled.status, 400);
  assert.match(garbled.body, /Last-Event-ID 'yesterday' is not an event id of this stream/);
});

test('closing the API ends its open streams instead of waiting on them', async () => {
  const own = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(own.db);
  const closing = await recordingApi(own, TOKEN);
  const at = await closing.listen({ host: '127.0.0.1', port: 0 });
  const stream = await EventStreamClient.open(`${at}/v1.0/p1/events`, { 'x-auth-token': TOKEN });
  assert.equal(stream.status, 200);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the API did not close within 5 s')), 5000);
  });
  await Promise.race([closing.close(), late]);
  clearTimeout(timer);
  await own.close();
  await stream
    .until(() => false, 'at all', 5000)
    .catch((error: Error) => {
      assert.match(error.message, /the stream ended/);
    });
  assert.equal(stream.ended, true);
});
