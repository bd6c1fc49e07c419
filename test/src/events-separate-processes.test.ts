// The event stream when the API, taskmanager and conductor are separate processes over RabbitMQ
// with a PostgreSQL control database: what the other processes write reaches the API's stream.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRabbitMq, type Broker } from '@cellar/rpc/testing';
import {
  EventStreamClient,
  freePort,
  signIn,
  startPostgres,
  type PostgresServer,
  type StreamEvent,
} from '@cellar/server/testing';
import { startService } from './support/service.js';

let broker: Broker;
let postgres: PostgresServer;
let state: string;
let port: number;
const services: ChildProcess[] = [];

before(async () => {
  [broker, postgres] = await Promise.all([startRabbitMq(), startPostgres()]);
  state = await mkdtemp(join(tmpdir(), 'cellar-events-services-'));
  port = await freePort();
});
after(async () => {
  for (const child of services) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  await postgres?.stop();
  await broker?.stop();
  await rm(state, { recursive: true, force: true });
});

test("a client of the API's stream sees what the taskmanager and conductor write from their own processes", async () => {
  const shared = [
    `DEFAULT.state_path=${state}`,
    `DEFAULT.bind_port=${port}`,
    'DEFAULT.compute_driver=simulated',
    `database.connection=${postgres.url}`,
    'rpc.transport=amqp',
    `rpc.amqp_url=${broker.url}`,
    'rpc.control_key=a-control-key-shared-by-all-three-services',
    'identity.bootstrap_password=admin-secret',
    'simulated.report_interval=0.3',
  ];
  for (const tool of ['cellar-conductor', 'cellar-taskmanager', 'cellar-api'])
    services.push((await startService(tool, shared)).child);
  const base = `http://127.0.0.1:${port}`;
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
