// The event stream of a whole control plane with simulated guests: a client follows an instance
// from its create to ACTIVE and to its deletion, and a backup, without polling; it resumes after
// Last-Event-ID; another project's member sees none of it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventStreamClient, signIn, type Json, type StreamEvent } from '@cellar/server/testing';
import { runTool } from './support/repo.js';
import { waitFor } from './support/wait-for.js';
import { pgInstance, simulatedPlaneOfFile } from './support/simulated-plane.js';

const storageDir = join(tmpdir(), `cellar-events-${randomUUID()}`);
after(() => rm(storageDir, { recursive: true, force: true }));
const plane = simulatedPlaneOfFile([
  // A guest that takes a second to prepare: long enough for a client to see the create under way.
  'simulated.prepare_delay=1',
  `backup_storage_local.path=${storageDir}`,
  'postgresql.backup_strategy=pg_basebackup',
]);
const ADMIN_TOKEN = 'static-admin-token-for-tests';

const follow = (project: string, token: string, lastEventId?: string) =>
  EventStreamClient.open(`${plane.base}/v1.0/${project}/events`, {
    'x-auth-token': token,
    ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
  });

const isInstance = (id: string, predicate: (data: Json) => boolean) => (e: StreamEvent) =>
  e.event === 'instance' && e.data['id'] === id && predicate(e.data);
const operationsOf = (stream: EventStreamClient, id: string) =>
  stream.events.filter((e) => e.event === 'operation' && e.data['instance_id'] === id);

async function create(name: string): Promise<string> {
  const created = await plane.api('POST', '/instances', pgInstance({ name }));
  assert.equal(created.status, 200, JSON.stringify(created.json));
  return (created.json['instance'] as Json)['id'] as string;
}

test("a client sees an instance's create reach ACTIVE, its operation's steps, and its deletion, without polling", async () => {
  const stream = await follow(plane.project, plane.session.token);
  try {
    const id = await create('followed');
    const first = await stream.until(
      isInstance(id, () => true),
      'of the new instance',
    );
    assert.equal(first.data['status'], 'BUILD');
    const active = await stream.until(
      isInstance(id, (i) => i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY'),
      'of the instance ACTIVE and HEALTHY',
    );
    assert.deepEqual(active.data['datastore'], {
      type: 'postgresql',
      version: '15',
      version_number: '15',
    });
    const done = await stream.until(
      (e) =>
        e.event === 'operation' && e.data['instance_id'] === id && e.data['status'] === 'succeeded',
      'of the create succeeded',
    );
    assert.equal(done.data['kind'], 'create');
    assert.deepEqual(
      (done.data['steps'] as Json[]).map((s) => [s['name'], s['status']]),
      [
        ['network', 'succeeded'],
        ['volume', 'succeeded'],
        ['server', 'succeeded'],
        ['prepare', 'succeeded'],
        ['wait-for-guest', 'succeeded'],
      ],
    );
    const creates = operationsOf(stream, id);
    assert.notEqual(creates[0]?.data['status'], 'succeeded', 'the operation was seen under way');

    assert.equal((await plane.api('DELETE', `/instances/${id}`)).status, 202);
    const gone = await stream.until(
      isInstance(id, (i) => i['deleted'] === true),
      'of the deletion',
    );
    assert.deepEqual(gone.data, { id, deleted: true });
    assert.ok(
      operationsOf(stream, id).some((e) => e.data['kind'] === 'delete'),
      'the delete operation was seen too',
    );
    const ids = stream.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  } finally {
    stream.close();
  }
});

test('a client that reconnects with Last-Event-ID misses nothing and gets nothing twice', async () => {
  const first = await follow(plane.project, plane.session.token);
  const id = await create('resumed');
  const seen = await first.until(
    isInstance(id, () => true),
    'of the new instance',
  );
  first.close();
  assert.ok(seen.id);
  const received = first.events.slice(0, first.events.indexOf(seen) + 1);
  // The create ends while nobody follows: all of the rest must come from the backlog.
  await waitFor(
    async () => {
      const timeline = await plane.api('GET', `/instances/${id}/operations`);
      return (timeline.json['operations'] as Json[])[0]?.['status'] === 'succeeded';
    },
    { timeout: 15_000, what: 'the create to succeed' },
  );
  const resumed = await follow(plane.project, plane.session.token, seen.id);
  try {
    await resumed.until(
      isInstance(id, (i) => i['status'] === 'ACTIVE'),
      'of the instance ACTIVE',
    );
    await resumed.until(
      (e) =>
        e.event === 'operation' && e.data['instance_id'] === id && e.data['status'] === 'succeeded',
      'of the create succeeded',
    );
    const ids = [...received, ...resumed.events].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `no event twice: ${ids.join(' ')}`);
  } finally {
    resumed.close();
  }
  assert.equal((await plane.api('DELETE', `/instances/${id}`)).status, 202);
});

test("a member of another project gets 403 on this project's stream and sees none of its changes on its own", async () => {
  const set = ['--set', `DEFAULT.state_path=${plane.state}`];
  assert.equal((await runTool('cellar-manage', ['project', 'create', 'team-e', ...set])).code, 0);
  const user = ['user', 'create', 'erin', '--project', 'team-e', '--password', 'erin-pw'];
  assert.equal((await runTool('cellar-manage', [...user, ...set])).code, 0);
  const erin = await signIn(plane.base, 'erin', 'erin-pw', 'team-e');

  const refused = await follow(plane.project, erin.token);
  assert.equal(refused.status, 403);
  const own = await follow(erin.project, erin.token);
  const admins = await follow(plane.project, plane.session.token);
  try {
    const theirs = await create('not-for-erin');
    await admins.until(
      isInstance(theirs, () => true),
      "of the admin's instance",
    );
    const created = await erin.call('POST', '/instances', pgInstance({ name: 'erins' }));
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const mine = (created.json['instance'] as Json)['id'] as string;
    await own.until(
      isInstance(mine, () => true),
      'of her own instance',
    );
    const reached = own.events.map((e) =>
      e.event === 'operation' ? e.data['instance_id'] : e.data['id'],
    );
    assert.deepEqual([...new Set(reached)], [mine], 'only her own instance');
    // An administrator reaches her project's stream through the path, as any route.
    const admin = await follow(erin.project, ADMIN_TOKEN, '0.0');
    await admin.until(
      isInstance(mine, () => true),
      "of erin's instance, for the admin",
    );
    admin.close();
    const ready = (i: Json) => i['status'] === 'ACTIVE';
    await own.until(isInstance(mine, ready), 'of her instance ACTIVE');
    await admins.until(isInstance(theirs, ready), "of the admin's instance ACTIVE");
    assert.deepEqual(
      own.events.filter((e) => e.data['id'] === theirs),
      [],
    );
    assert.equal((await plane.api('DELETE', `/instances/${theirs}`)).status, 202);
    assert.equal((await erin.call('DELETE', `/instances/${mine}`)).status, 202);
  } finally {
    own.close();
    admins.close();
  }
});

test("a backup's states and its deletion arrive as backup events", async (t) => {
  const stream = await follow(plane.project, plane.session.token);
  try {
    const id = await create('backed-up');
    await stream.until(
      isInstance(id, (i) => i['status'] === 'ACTIVE'),
      'of the instance ACTIVE',
    );
    const requested = await plane.api('POST', '/backups', { backup: { name: 'b1', instance: id } });
    if (requested.status === 501)
      return t.skip('the postgresql datastore of this build does not declare backups');
    assert.equal(requested.status, 202, JSON.stringify(requested.json));
    const backupId = (requested.json['backup'] as Json)['id'] as string;
    const isBackup = (predicate: (b: Json) => boolean) => (e: StreamEvent) =>
      e.event === 'backup' && e.data['id'] === backupId && predicate(e.data);
    // Simulated guests take no backups: the backup ends FAILED saying so.
    const failed = await stream.until(
      isBackup((b) => b['status'] === 'FAILED'),
      'of it FAILED',
    );
    assert.equal(failed.data['instance_id'], id);
    assert.equal((await plane.api('DELETE', `/backups/${backupId}`)).status, 202);
    const gone = await stream.until(
      isBackup((b) => b['deleted'] === true),
      'of its deletion',
    );
    assert.deepEqual(gone.data, { id: backupId, deleted: true });
    assert.equal((await plane.api('DELETE', `/instances/${id}`)).status, 202);
  } finally {
    stream.close();
  }
});
