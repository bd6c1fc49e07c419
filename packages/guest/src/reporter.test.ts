// The reporter's beats when the manager's status read hangs: the beat goes out saying 'unknown',
// so the beats after it, and a restart's answer that waits for its own beat, are not held.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BaseDatastoreManager, GuestLogger } from '@cellar/plugin-api';
import type { ConductorClient, Heartbeat } from '@cellar/rpc';
import { Reporter } from './reporter.js';

const quiet: GuestLogger = { debug() {}, info() {}, warn() {}, error() {} };

test("a status read that hangs sends 'unknown' instead of holding every later beat", async () => {
  const sent: Heartbeat[] = [];
  const conductor = {
    heartbeat: async (beat: Heartbeat) => {
      sent.push(beat);
    },
  } as unknown as ConductorClient;
  let calls = 0;
  const manager = {
    // The first read never settles, as a status query on a server half way through stopping.
    getServiceStatus: () => (calls++ === 0 ? new Promise(() => {}) : Promise.resolve('healthy')),
  } as unknown as BaseDatastoreManager<unknown>;
  const reporter = new Reporter(conductor, manager, quiet);
  const held = reporter.beat();
  const next = reporter.beat();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'held'>((resolve) => {
    timer = setTimeout(resolve, 15_000, 'held');
  });
  const outcome = await Promise.race([next.then(() => 'sent' as const), deadline]);
  clearTimeout(timer);
  assert.equal(outcome, 'sent', 'the beat after a hung status read was held');
  await held;
  assert.deepEqual(
    sent.map((b) => b.status),
    ['unknown', 'healthy'],
  );
});

test('a beat carries the replication state the manager reports, and none when it has none', async () => {
  const sent: Heartbeat[] = [];
  const conductor = {
    heartbeat: async (beat: Heartbeat) => {
      sent.push(beat);
    },
  } as unknown as ConductorClient;
  const states = [
    { role: 'replica', sourceId: 's-1', progress: 42, position: '0/2A', lagBytes: 0 },
    undefined,
  ];
  const manager = {
    getServiceStatus: () => Promise.resolve('healthy'),
    replicationState: () => Promise.resolve(states.shift()),
  } as unknown as BaseDatastoreManager<unknown>;
  const reporter = new Reporter(conductor, manager, quiet);
  await reporter.beat();
  await reporter.beat();
  assert.deepEqual(sent[0]?.replication, {
    role: 'replica',
    sourceId: 's-1',
    progress: 42,
    position: '0/2A',
    lagBytes: 0,
  });
  assert.equal(sent[1]?.replication, undefined);
});
