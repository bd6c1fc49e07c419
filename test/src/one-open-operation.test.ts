// At most one open operation per instance, on both control databases: concurrent restarts and
// deletes of one instance through the real API (injected requests, no taskmanager, so the first
// operation stays open while the others race against it).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrateToLatest, now, openDatabase, type ControlDatabase } from '@cellar/server';
import { postgresBinaries, recordingApi, startPostgres } from '@cellar/server/testing';

const ADMIN_TOKEN = 'one-open-operation-admin';
const PROJECT = 'p1';

/** An API over `control` whose operations are recorded and never run. */
async function api(control: ControlDatabase) {
  await migrateToLatest(control.db);
  return recordingApi(control, ADMIN_TOKEN);
}

async function raceOnOneInstance(control: ControlDatabase): Promise<void> {
  const app = await api(control);
  try {
    await race(app, control);
  } finally {
    await app.close();
  }
}

async function race(app: Awaited<ReturnType<typeof recordingApi>>, control: ControlDatabase) {
  const call = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({
      method,
      url: `/v1.0/${PROJECT}${url}`,
      headers: { 'x-auth-token': ADMIN_TOKEN },
      ...(payload ? { payload } : {}),
    });
  const created = await call('POST', '/instances', {
    instance: { name: 'raced', flavorRef: '1', volume: { size: 1 } },
  });
  assert.equal(created.statusCode, 200, created.body);
  const id = created.json<{ instance: { id: string } }>().instance.id;
  // As a finished create leaves it: ACTIVE and HEALTHY, its create operation done.
  await control.db.updateTable('operations').set({ status: 'succeeded' }).execute();
  await control.db
    .updateTable('instances')
    .set({ task_status: 'NONE', server_status: 'ACTIVE' })
    .execute();
  await control.db
    .updateTable('service_statuses')
    .set({ status: 'healthy', updated_at: now() })
    .execute();

  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? call('POST', `/instances/${id}/action`, { restart: {} })
        : call('DELETE', `/instances/${id}`),
    ),
  );
  const started = await control.db
    .selectFrom('operations')
    .select(['kind', 'status'])
    .where('instance_id', '=', id)
    .where('kind', '!=', 'create')
    .execute();
  assert.equal(started.length, 1, `operations started: ${JSON.stringify(started)}`);
  const winner = started[0]?.kind;
  for (const [i, answer] of answers.entries()) {
    const kind = i % 2 === 0 ? 'restart' : 'delete';
    // Deleting an instance that is being deleted is answered as the delete already under way.
    if (answer.statusCode === 202) {
      assert.ok(kind === winner, `a ${kind} was accepted beside the ${String(winner)}`);
      continue;
    }
    assert.equal(answer.statusCode, 422, `${kind}: ${answer.body}`);
    assert.match(
      String(
        answer.json<{ unprocessableEntity?: { message?: string } }>().unprocessableEntity?.message,
      ),
      new RegExp(`Instance ${id} is not currently available for an action to be performed`),
    );
  }
  assert.ok(
    answers.filter((a) => a.statusCode === 422).length >= 9,
    'every request of the other kind was refused',
  );
}

test('20 concurrent restarts and deletes of one instance on SQLite start exactly one operation; the rest answer 422', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-race-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  try {
    await raceOnOneInstance(control);
  } finally {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('20 concurrent restarts and deletes of one instance on PostgreSQL start exactly one operation; the rest answer 422', async (t) => {
  if (postgresBinaries() === undefined) {
    t.skip('PostgreSQL is not installed');
    return;
  }
  const server = await startPostgres();
  try {
    const control = await openDatabase({ dialect: 'postgresql', url: server.url });
    try {
      await raceOnOneInstance(control);
    } finally {
      await control.close();
    }
  } finally {
    await server.stop();
  }
});
