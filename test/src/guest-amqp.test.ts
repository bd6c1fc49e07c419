// A guest agent over RabbitMQ: it serves and reports through the broker, and when the broker goes
// away it says its connection is lost, so its process exits for the compute host to start it again.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseDatastoreManager, defineDatastoreGuest, defineDatastoreOptions, RpcConnectionLost, standardGuestOptions, standardServerOptions, type ServiceStatus } from '@cellar/plugin-api';
import { runGuest } from '@cellar/guest';
import { createPluginRegistry } from '@cellar/plugins';
import { AmqpTransport, conductorArgs, CONDUCTOR_TOPIC, GuestClient, method, serve, type Heartbeat } from '@cellar/rpc';
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

const cellar = { plugin: 1, kind: 'datastore', name: 'idle', capabilities: [], entryPoints: { 'cellar.datastore.options': './options', 'cellar.datastore.guest': './guest' } };
const options = defineDatastoreOptions({
  name: 'idle',
  server: standardServerOptions({ datastore: 'Idle', tcpPorts: ['1'], usageTimeout: 10, backupStrategy: '', replicationStrategy: '' }),
  guest: standardGuestOptions({ datastore: 'Idle', mountPoint: '/var/lib/idle', backupStrategy: '', replicationStrategy: '' }),
});
const plugins = createPluginRegistry({ plugins: [{ package: 'cellar-datastore-idle', cellar, modules: { './options': options, './guest': defineDatastoreGuest({ name: 'idle', manager: IdleManager }) } }] });

test('an agent over RabbitMQ serves and reports, and says so when the broker connection is lost', async () => {
  const broker = await startRabbitMq();
  const dir = await mkdtemp(join(tmpdir(), 'cellar-guest-amqp-'));
  const control = await AmqpTransport.connect(broker.url);
  try {
    const beats: Heartbeat[] = [];
    let beaten: (() => void) | undefined;
    const conductor = await serve({
      transport: control,
      topic: CONDUCTOR_TOPIC,
      keyFor: (r) => (r.instance === GUEST_ID ? KEY : undefined),
      methods: {
        heartbeat: method(conductorArgs.heartbeat, async (beat) => {
          beats.push(beat);
          beaten?.();
        }),
      },
    });
    await writeFile(
      join(dir, 'guest.conf'),
      [
        '[DEFAULT]',
        `guest_id = ${GUEST_ID}`,
        'datastore_manager = idle',
        'instance_address = 127.42.0.9',
        'report_interval = 60',
        `run_dir = ${join(dir, 'run')}`,
        `log_dir = ${join(dir, 'log')}`,
        '[rpc]',
        'transport = amqp',
        `amqp_url = ${broker.url}`,
        `instance_key = ${KEY}`,
        '[idle]',
        `mount_point = ${dir}`,
        '',
      ].join('\n'),
    );
    const first = new Promise<void>((resolve) => (beaten = resolve));
    const guest = await runGuest({ argv: ['--config-file', join(dir, 'guest.conf')], plugins, env: {} });
    try {
      await first;
      assert.equal(beats.at(-1)?.status, 'healthy');
      assert.equal(await new GuestClient(control, GUEST_ID, KEY, { low: 5, high: 5 }).ping({ requestId: 't' }), true);
      await conductor.close();
      await broker.stop();
      const lost = await Promise.race([guest.lost, new Promise<undefined>((r) => setTimeout(r, 30_000, undefined))]);
      assert.ok(lost instanceof RpcConnectionLost, `the agent was not told within 30 s: ${String(lost)}`);
    } finally {
      await guest.close();
    }
  } finally {
    await control.close().catch(() => undefined);
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
