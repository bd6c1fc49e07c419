// The event stream when the API, taskmanager and conductor are separate processes over RabbitMQ
// with a PostgreSQL control database: what the other processes write reaches the API's stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStreamClient, signIn, type StreamEvent } from '@cellar/server/testing';
import { threeServices } from './support/three-services.js';

const services = threeServices('events-services');

test("a client of the API's stream sees what the taskmanager and conductor write from their own processes", async () => {
  await services.start();
  const base = services.base;
  const session = await signIn(base, 'admin', 'admin-secret');
  const stream = await EventStreamClient.open(`${base}/v1.0/${session.project}/events`, {
    'x-auth-token': session.token,
  });
  try {
    assert.equal(stream.status, 200);
    const created = await session.call('POST', '/instances', {
      instance: {
        name: 'split',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = (created.json['instance'] as { id: string }).id;
    const of = (predicate: (data: Record<string, unknown>) => boolean) => (e: StreamEvent) =>
      e.event === 'instance' && e.data['id'] === id && predicate(e.data);
    await stream.until(
      of((i) => i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY'),
      'of the instance ACTIVE and HEALTHY',
    );
    await stream.until(
      (e) =>
        e.event === 'operation' && e.data['instance_id'] === id && e.data['status'] === 'succeeded',
      'of the create succeeded, as the taskmanager wrote it',
    );
    assert.equal((await session.call('DELETE', `/instances/${id}`)).status, 202);
    await stream.until(
      of((i) => i['deleted'] === true),
      'of the deletion',
    );
    const ids = stream.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  } finally {
    stream.close();
  }
});
