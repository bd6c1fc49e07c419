// Ctrl-C and a service manager's SIGTERM stop Cellar at once, after a session that created,
// restarted and deleted a real PostgreSQL instance: one signal, exit status 0, within 10 s.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startRabbitMq } from '@cellar/rpc/testing';
import { endProcessesUnder, freePort, signIn, startPostgres } from '@cellar/server/testing';
import { startCellarUp } from './support/cellar-up.js';
import { instanceLifecycle } from './support/lifecycle.js';
import { noPostgresql, standbyAgentsOf, testAddressPool } from './support/local-postgresql.js';
import { startService, type Service } from './support/service.js';
import { exitWithin, waitFor } from './support/wait-for.js';

const signals = ['SIGINT', 'SIGTERM'] as const;
const tools = ['cellar-conductor', 'cellar-taskmanager', 'cellar-api'] as const;
const noRabbitMq = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')
  ? false
  : 'RabbitMQ is not installed (scripts/test installs it)';

const instanceSettings = [
  testAddressPool().setting,
  'identity.bootstrap_password=admin-secret',
  'local.report_interval=1',
  'local.watch_interval=0.5',
  'postgresql.usage_timeout=120',
];

/** A create starts the next standby agent soon after: a stop must end it too, and may not wait for it. */
async function untilStandbyWaits(parent: ChildProcess): Promise<void> {
  await waitFor(async () => (await standbyAgentsOf(parent.pid ?? -1)).length > 0, {
    timeout: 30_000,
    what: 'a standby guest agent to be started again after the create',
  });
}

/** Whatever a failed test left running is ended by PID, and its state directory removed. */
async function cleanUp(children: readonly ChildProcess[], state: string): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exitWithin(child, 10_000, 'a killed service');
    }
  }
  await endProcessesUnder(state);
  await rm(state, { recursive: true, force: true });
}

for (const signal of signals) {
  test(
    `cellar up exits 0 within 10 s of one ${signal} after an instance was created, restarted and deleted`,
    { skip: noPostgresql },
    async () => {
      const state = await mkdtemp(join(tmpdir(), 'cellar-signals-'));
      const port = await freePort();
      const cellar = await startCellarUp([
        `DEFAULT.state_path=${state}`,
        `DEFAULT.bind_port=${port}`,
        ...instanceSettings,
      ]);
      try {
        const session = await signIn(`http://127.0.0.1:${port}`, 'admin', 'admin-secret');
        await instanceLifecycle(session, `stopped-by-${signal.toLowerCase()}`);
        await untilStandbyWaits(cellar.child);
        cellar.child.kill(signal);
        assert.equal(await exitWithin(cellar.child, 10_000, `cellar up after one ${signal}`), 0);
        assert.deepEqual(await standbyAgentsOf(cellar.child.pid ?? -1), []);
      } finally {
        await cleanUp([cellar.child], state);
      }
    },
  );
}

test(
  'cellar-api, cellar-taskmanager and cellar-conductor each exit 0 within 10 s of one SIGINT or SIGTERM after an instance was created, restarted and deleted',
  { skip: noPostgresql || noRabbitMq },
  async (t) => {
    const [broker, postgres] = await Promise.all([startRabbitMq(), startPostgres()]);
    const state = await mkdtemp(join(tmpdir(), 'cellar-signals-'));
    const port = await freePort();
    const shared = [
      `DEFAULT.state_path=${state}`,
      `DEFAULT.bind_port=${port}`,
      `database.connection=${postgres.url}`,
      'rpc.transport=amqp',
      `rpc.amqp_url=${broker.url}`,
      'rpc.control_key=a-control-key-shared-by-all-three-services',
      ...instanceSettings,
    ];
    const started: Service[] = [];
    try {
      for (const signal of signals) {
        await t.test(`one ${signal} to each`, async () => {
          const services: Service[] = [];
          for (const tool of tools) {
            const service = await startService(tool, shared);
            services.push(service);
            started.push(service);
          }
          const session = await signIn(`http://127.0.0.1:${port}`, 'admin', 'admin-secret');
          await instanceLifecycle(session, `services-stopped-by-${signal.toLowerCase()}`);
          const taskmanager = services[1]?.child;
          assert.ok(taskmanager);
          await untilStandbyWaits(taskmanager);
          for (const { child } of services) child.kill(signal);
          const codes = await Promise.all(
            services.map(({ child }, n) =>
              exitWithin(child, 10_000, `${tools[n] ?? ''} after one ${signal}`).catch(
                (error: Error) => `${error.message}\n${services[n]?.output() ?? ''}`,
              ),
            ),
          );
          assert.deepEqual(codes, [0, 0, 0]);
        });
      }
    } finally {
      await cleanUp(
        started.map((s) => s.child),
        state,
      );
      await postgres.stop();
      await broker.stop();
    }
  },
);
