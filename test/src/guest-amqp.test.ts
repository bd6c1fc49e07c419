// A guest agent over RabbitMQ: it serves and reports through the broker, and when the broker goes
// away it says its connection is lost, so its process exits for the compute host to start it again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseDatastoreManager, RpcConnectionLost, type ServiceStatus } from '@cellar/plugin-api';
import { runGuest } from '@cellar/guest';
import { inMemoryDatastore, recordingConductor, writeGuestConf } from '@cellar/guest/testing';
import { AmqpTransport, GuestClient } from '@cellar/rpc';
import { startRabbitMq } from '@cellar/rpc/testing';

const GUEST_ID = '5f0c8a2e-0000-4000-8000-00000000a001';
const KEY = 'q'.repeat(40);

class IdleManager extends BaseDatastoreManager {
  async prepare(): Promise<void> {}
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return 'healthy';
  }
}

const plugins = inMemoryDatastore('idle', IdleManager);

test('an agent over RabbitMQ serves and reports, and says so when the broker connection is lost', async () => {
  const broker = await startRabbitMq();
  const dir = await mkdtemp(join(tmpdir(), 'cellar-guest-amqp-'));
  const control = await AmqpTransport.connect(broker.url);
  try {
    const conductor = await recordingConductor(control, GUEST_ID, KEY);
    const conf = await writeGuestConf({
      dir,
      guestId: GUEST_ID,
      key: KEY,
      datastore: 'idle',
      rpc: ['transport = amqp', `amqp_url = ${broker.url}`],
    });
    const first = conductor.nextBeat();
    const guest = await runGuest({ argv: ['--config-file', conf], plugins, env: {} });
    try {
      await first;
      assert.equal(conductor.beats.at(-1)?.status, 'healthy');
      assert.equal(
        await new GuestClient(control, GUEST_ID, KEY, { low: 5, high: 5 }).ping({ requestId: 't' }),
        true,
      );
      await conductor.close();
      await broker.stop();
      // The deadline's timer is cleared at once: left pending, it would hold the test run 30 s.
      let deadline: NodeJS.Timeout | undefined;
      const lost = await Promise.race([
        guest.lost,
        new Promise<undefined>((r) => (deadline = setTimeout(r, 30_000, undefined))),
      ]);
      clearTimeout(deadline);
      assert.ok(
        lost instanceof RpcConnectionLost,
        `the agent was not told within 30 s: ${String(lost)}`,
      );
    } finally {
      await guest.close();
    }
  } finally {
    await control.close().catch(() => undefined);
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
