// The guest agent with a datastore held in memory: it serves the manager on guestagent.<id>,
// reports to a conductor at once and after a prepare, and refuses to start, saying why, when its
// datastore is missing or its configuration is wrong.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { BaseDatastoreManager, type PrepareRequest, type ServiceStatus } from '@cellar/plugin-api';
import { GuestClient, LocalTransport } from '@cellar/rpc';
import { GuestStartFailure, runGuest, type RunningGuest } from './agent.js';
import { agentSocket } from './options.js';
import {
  inMemoryDatastore,
  recordingConductor,
  writeGuestConf,
  type RecordingConductor,
} from './testing.js';

const GUEST_ID = '5f0c8a2e-0000-4000-8000-000000000001';
const KEY = 'k'.repeat(40);

class MemoryManager extends BaseDatastoreManager {
  status: ServiceStatus = 'building';
  async prepare(request: PrepareRequest): Promise<void> {
    if (request.databases.some((d) => d.name === 'explode'))
      throw new Error('the server would not start');
    this.status = 'healthy';
  }
  async restart(): Promise<void> {
    if (this.status === 'building') throw new Error('nothing to restart');
    this.status = 'healthy';
  }
  async stopDb(): Promise<void> {
    this.status = 'shutdown';
  }
  async getServiceStatus(): Promise<ServiceStatus> {
    return this.status;
  }
}

const plugins = inMemoryDatastore('memory', MemoryManager);

let dir: string;
let control: LocalTransport;
let conductor: RecordingConductor;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellar-guest-'));
  control = new LocalTransport(join(dir, 'rpc'), {
    socketFor: (t) => (t === `guestagent.${GUEST_ID}` ? agentSocket(join(dir, 'run')) : undefined),
  });
  conductor = await recordingConductor(control, GUEST_ID, KEY);
  await writeGuestConf({
    dir,
    guestId: GUEST_ID,
    key: KEY,
    datastore: 'memory',
    rpc: [`socket_dir = ${join(dir, 'rpc')}`],
  });
});

after(async () => {
  await conductor.close();
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

test('the agent serves its manager and reports at start and the moment a prepare ends', async () => {
  const first = conductor.nextBeat();
  const guest: RunningGuest = await runGuest({
    argv: ['--config-file', join(dir, 'guest.conf')],
    plugins,
    env: {},
  });
  try {
    await first;
    assert.equal(conductor.beats.at(-1)?.status, 'building');
    const client = new GuestClient(control, GUEST_ID, KEY, { low: 5, high: 5 });
    assert.equal(await client.ping({ requestId: 't' }), true);

    let beat = conductor.nextBeat();
    await client.prepare(
      { memoryMb: 512, databases: [{ name: 'explode' }], users: [] },
      { requestId: 't' },
    );
    await beat;
    assert.equal(conductor.beats.at(-1)?.status, 'failed to spawn');
    assert.match(conductor.beats.at(-1)?.fault?.message ?? '', /would not start/);

    beat = conductor.nextBeat();
    await client.prepare({ memoryMb: 512, databases: [], users: [] }, { requestId: 't' });
    await beat;
    const { metrics, ...told } = conductor.beats.at(-1) ?? {};
    assert.deepEqual(told, { status: 'healthy' }, 'the failed prepare is told once');
    // A datastore without gauges of its own: the agent measures the mount point all the same.
    assert.ok((metrics?.disk_total_bytes ?? 0) > 0, JSON.stringify(metrics));
    assert.equal(await client.serviceStatus({ requestId: 't' }), 'healthy');
    // Core operations the datastore leaves to the base: access is not enforced by this one.
    assert.equal(await client.applyAccess(['10.0.0.0/24'], { requestId: 't' }), false);
  } finally {
    await guest.close();
  }
});

/** Settles with beat, or fails when no beat came within ms (report_interval here is 60 s). */
async function within(beat: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no heartbeat within ${ms} ms of ${what}`)), ms);
  });
  try {
    await Promise.race([beat, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('the agent reports the moment a stop or restart ends, not a report_interval later', async () => {
  const guest = await runGuest({
    argv: ['--config-file', join(dir, 'guest.conf')],
    plugins,
    env: {},
  });
  const client = new GuestClient(control, GUEST_ID, KEY, { low: 5, high: 5 });
  const context = { requestId: 't' };
  try {
    let beat = conductor.nextBeat();
    await assert.rejects(client.restart(context), /nothing to restart/);
    await within(beat, 2000, 'a failed restart');
    assert.equal(conductor.beats.at(-1)?.status, 'building');
    beat = conductor.nextBeat();
    await client.prepare({ memoryMb: 512, databases: [], users: [] }, context);
    await beat;
    beat = conductor.nextBeat();
    await client.stopDb(context);
    await within(beat, 2000, 'stop_db');
    assert.equal(conductor.beats.at(-1)?.status, 'shutdown');
    beat = conductor.nextBeat();
    await client.restart(context);
    await within(beat, 2000, 'restart');
    assert.equal(conductor.beats.at(-1)?.status, 'healthy');
    assert.equal(conductor.beats.at(-1)?.fault, undefined);
  } finally {
    await guest.close();
  }
});

test('the agent refuses to start when datastore_manager names a datastore it does not carry', async () => {
  await assert.rejects(
    runGuest({
      argv: ['--config-file', join(dir, 'guest.conf'), '--set', 'DEFAULT.datastore_manager=mysql'],
      plugins,
      env: {},
    }),
    (error: unknown) =>
      error instanceof GuestStartFailure &&
      /datastore_manager names 'mysql', which is not installed in this guest; installed: memory/.test(
        error.message,
      ),
  );
});

test('the agent refuses to start with invalid configuration, naming every problem', async () => {
  await assert.rejects(
    runGuest({
      argv: [
        '--config-file',
        join(dir, 'guest.conf'),
        '--set',
        'rpc.instance_key=short',
        '--set',
        'DEFAULT.report_interval=never',
      ],
      plugins,
      env: {},
    }),
    (error: unknown) =>
      error instanceof GuestStartFailure &&
      /instance_key/.test(error.message) &&
      /report_interval/.test(error.message),
  );
});

test('the agent keeps its log directory bounded: a file past log_rotate_mb is copied aside and emptied', async () => {
  await mkdir(join(dir, 'log'), { recursive: true });
  const server = join(dir, 'log', 'server.log');
  await writeFile(server, 'z'.repeat(1024 * 1024 + 1));
  const guest = await runGuest({
    argv: ['--config-file', join(dir, 'guest.conf'), '--set', 'DEFAULT.log_rotate_mb=1'],
    plugins,
    env: {},
  });
  try {
    const deadline = Date.now() + 5000;
    while (!existsSync(`${server}.1`) && Date.now() < deadline) await sleep(20);
    assert.equal(statSync(`${server}.1`).size, 1024 * 1024 + 1);
    assert.equal(statSync(server).size, 0);
  } finally {
    await guest.close();
  }
});
