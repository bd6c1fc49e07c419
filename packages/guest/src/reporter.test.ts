// The reporter's beats when the manager's status read hangs: the beat goes out saying 'unknown',
// so the beats after it, and a restart's answer that waits for its own beat, are not held.

import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  const reporter = new Reporter(conductor, manager, quiet, tmpdir());
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
  const reporter = new Reporter(conductor, manager, quiet, tmpdir());
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

test("a beat carries the datastore's gauges but its NaNs, the mount point's disk use and a replica's lag", async () => {
  const sent: Heartbeat[] = [];
  const conductor = {
    heartbeat: async (beat: Heartbeat) => {
      sent.push(beat);
    },
  } as unknown as ConductorClient;
  // A NaN or a negative figure would make the conductor refuse the whole beat: they stay out.
  const gauges = [
    { connections: 3, transactions_per_second: 12.5, memory_bytes: NaN, commands_per_second: -1 },
    undefined,
  ];
  const manager = {
    getServiceStatus: () => Promise.resolve('healthy'),
    replicationState: () =>
      Promise.resolve({ role: 'replica', progress: 1, position: '0/1', lagSeconds: 4 }),
    metrics: () => Promise.resolve(gauges.shift()),
  } as unknown as BaseDatastoreManager<unknown>;
  const reporter = new Reporter(conductor, manager, quiet, tmpdir());
  await reporter.beat();
  await reporter.beat();
  const disk = await statfs(tmpdir());
  const total = disk.blocks * disk.bsize;
  const [first, second] = sent.map((beat) => beat.metrics);
  assert.equal(first?.connections, 3);
  assert.equal(first?.transactions_per_second, 12.5);
  assert.equal(first?.replication_lag_seconds, 4);
  assert.equal(first?.disk_total_bytes, total);
  const used = first?.disk_used_bytes ?? -1;
  assert.ok(used > 0 && used <= total, `${used} of ${total} bytes used`);
  assert.deepEqual(Object.keys(first ?? {}).sort(), [
    'connections',
    'disk_total_bytes',
    'disk_used_bytes',
    'replication_lag_seconds',
    'transactions_per_second',
  ]);
  // A datastore without gauges sends none of its own; the disk is the agent's to measure.
  assert.deepEqual(Object.keys(second ?? {}).sort(), [
    'disk_total_bytes',
    'disk_used_bytes',
    'replication_lag_seconds',
  ]);
});

test("a datastore whose gauges cannot be read still beats, with the disk's figures", async () => {
  const sent: Heartbeat[] = [];
  const conductor = {
    heartbeat: async (beat: Heartbeat) => {
      sent.push(beat);
    },
  } as unknown as ConductorClient;
  const manager = {
    getServiceStatus: () => Promise.resolve('running'),
    replicationState: () => Promise.resolve(undefined),
    metrics: () => Promise.reject(new Error('the database system is starting up')),
  } as unknown as BaseDatastoreManager<unknown>;
  await new Reporter(conductor, manager, quiet, tmpdir()).beat();
  assert.equal(sent[0]?.status, 'running');
  assert.deepEqual(Object.keys(sent[0]?.metrics ?? {}).sort(), [
    'disk_total_bytes',
    'disk_used_bytes',
  ]);
});
