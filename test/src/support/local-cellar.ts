// `cellar up` with the local compute driver for tests of real instances: its own state directory
// and port, a signed-in admin, and a clean-up that deletes what a failed test left behind.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  endProcessesUnder,
  freePort,
  signIn,
  type ApiSession,
  type Json,
} from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './cellar-up.js';
import { testAddressPool } from './local-postgresql.js';

export interface LocalCellar {
  readonly state: string;
  readonly port: number;
  /** What every instance address of this deployment starts with (`127.42.N.`). */
  readonly addressPrefix: string;
  readonly cellar: CellarUp;
  readonly session: ApiSession;
  /** The newest PostgreSQL version this host has. */
  readonly version: string;
  /** Stops `cellar up` and starts it again on the same state, with these settings added. */
  restart(extra?: readonly string[]): Promise<void>;
  /** Deletes every instance left through the API, stops Cellar and removes its state. */
  close(): Promise<void>;
}

const PASSWORD = 'local-admin-secret';

export async function startLocalCellar(extra: readonly string[] = []): Promise<LocalCellar> {
  const state = await mkdtemp(join(tmpdir(), 'cellar-local-'));
  const port = await freePort();
  const pool = testAddressPool();
  const settings = (more: readonly string[]): string[] => [
    `DEFAULT.state_path=${state}`,
    `DEFAULT.bind_port=${port}`,
    `identity.bootstrap_password=${PASSWORD}`,
    pool.setting,
    'local.report_interval=1',
    'local.watch_interval=0.5',
    'postgresql.usage_timeout=120',
    // These tests poll; the rate limits have their own test.
    'DEFAULT.http_get_rate=100000',
    'DEFAULT.http_post_rate=100000',
    ...more,
  ];
  let cellar = await startCellarUp(settings(extra));
  const session = await signIn(`http://127.0.0.1:${port}`, 'admin', PASSWORD);
  const versions = (await session.call('GET', '/datastores/postgresql/versions')).json;
  const version = ((versions['versions'] as Json[] | undefined)?.[0]?.['name'] as string) ?? '';
  return {
    state,
    port,
    addressPrefix: pool.prefix,
    get cellar() {
      return cellar;
    },
    session,
    version,
    restart: async (more = []) => {
      await cellar.stop();
      cellar = await startCellarUp(settings(more));
    },
    close: async () => {
      try {
        const left = (await session.call('GET', '/instances')).json['instances'] as Json[];
        for (const i of left) await session.call('DELETE', `/instances/${String(i['id'])}`);
        for (const i of left)
          await session.untilInstance(String(i['id']), (x) => 'gone' in x, 'deleted', 90, 200);
      } finally {
        await cellar.stop();
        await endProcessesUnder(state);
        await rm(state, { recursive: true, force: true });
      }
    },
  };
}
