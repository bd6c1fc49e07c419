// The control plane as three services (cellar-conductor, cellar-taskmanager, cellar-api) over a
// RabbitMQ broker with a PostgreSQL control database, all on loopback, stopped after the file.

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startRabbitMq, type Broker } from '@cellar/rpc/testing';
import { freePort, startPostgres, type PostgresServer } from '@cellar/server/testing';
import { startService } from './service.js';

export interface ThreeServices {
  readonly broker: Broker;
  readonly base: string;
  /** The services started so far, in the order started. */
  readonly children: readonly ChildProcess[];
  /** Starts the conductor, the taskmanager and the API on the shared settings. */
  start(): Promise<void>;
}

/** Registers the file's before and after: the broker and database, then the services stopped. */
export function threeServices(name: string): ThreeServices {
  let broker: Broker | undefined;
  let postgres: PostgresServer | undefined;
  let state = '';
  let port = 0;
  const children: ChildProcess[] = [];
  before(async () => {
    [broker, postgres] = await Promise.all([startRabbitMq(), startPostgres()]);
    state = await mkdtemp(join(tmpdir(), `cellar-${name}-`));
    port = await freePort();
  });
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
    await postgres?.stop();
    await broker?.stop();
    if (state !== '') await rm(state, { recursive: true, force: true });
  });
  return {
    get broker() {
      if (!broker) throw new Error('RabbitMQ did not start');
      return broker;
    },
    get base() {
      return `http://127.0.0.1:${port}`;
    },
    children,
    async start() {
      const shared = [
        `DEFAULT.state_path=${state}`,
        `DEFAULT.bind_port=${port}`,
        'DEFAULT.compute_driver=simulated',
        `database.connection=${postgres?.url ?? ''}`,
        'rpc.transport=amqp',
        `rpc.amqp_url=${broker?.url ?? ''}`,
        'rpc.control_key=a-control-key-shared-by-all-three-services',
        'identity.bootstrap_password=admin-secret',
        'simulated.report_interval=0.3',
      ];
      for (const tool of ['cellar-conductor', 'cellar-taskmanager', 'cellar-api'])
        children.push((await startService(tool, shared)).child);
    },
  };
}
