// `cellar up` with the local compute driver for tests of real instances: its own state directory
// and port, a signed-in admin, and a clean-up that deletes what a failed test left behind.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import {
  endProcessesUnder,
  freePort,
  signIn,
  type ApiSession,
  type Json,
} from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './cellar-up.js';
import { processesNaming, testAddressPool } from './local-postgresql.js';

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

/** The admin's password in every local Cellar (the console's end-to-end test signs in with it). */
export const PASSWORD = 'local-admin-secret';

/**
 * Unmounts the instance volumes (loop-mounted images, as root) a failed test left under its own
 * state directory, deepest first: removing the directory must not reach into a mounted one.
 */
async function unmountUnder(state: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const under = mounts
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((path) => path.startsWith(`${state}/`))
    .sort((a, b) => b.length - a.length);
  for (const path of under) await promisify(execFile)('umount', [path]).catch(() => undefined);
}

/** Where the deployment of `state` keeps its instances: under /var/lib/cellar as root, else in it. */
async function guestHome(state: string): Promise<string> {
  for (const name of await readdir('/var/lib/cellar').catch(() => [] as string[])) {
    const home = join('/var/lib/cellar', name);
    const served = await readFile(join(home, 'state-path'), 'utf8').catch(() => '');
    if (served.trim() === state) return home;
  }
  return state;
}

/** The end of each instance's guest log, for a clean-up that failed to say what the guests did. */
async function printGuestLogs(state: string): Promise<void> {
  const instances = join(await guestHome(state), 'instances');
  for (const id of await readdir(instances).catch(() => [] as string[])) {
    if (id.startsWith('.')) continue;
    const log = await readFile(join(instances, id, 'log', 'guest.log'), 'utf8').catch(() => '');
    console.error(
      `--- the end of instance ${id}'s guest log:\n${log.split('\n').slice(-60).join('\n')}`,
    );
  }
}

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
      } catch (error) {
        await printGuestLogs(state);
        throw error;
      } finally {
        await cellar.stop();
        await endProcessesUnder(state);
        await unmountUnder(state);
        await rm(state, { recursive: true, force: true });
      }
    },
  };
}

/** A test file's local Cellar, read once its `before` has started it, and its API as the admin. */
export interface LocalCellarOfFile extends LocalCellar {
  readonly api: (method: string, path: string, body?: unknown) => ReturnType<ApiSession['call']>;
}

/**
 * Registers the file's before and after: a local Cellar with `extra` settings started unless the
 * file is skipped, and closed after its tests.
 */
export function localCellarOfFile(
  skip: string | false,
  extra: readonly string[] | (() => Promise<readonly string[]>) = [],
): LocalCellarOfFile {
  let local: LocalCellar | undefined;
  before(async () => {
    // A function when the settings are known only once something has started (a storage's
    // address): Node 20 runs a file's before hooks side by side, so another hook cannot set them.
    if (!skip) local = await startLocalCellar(typeof extra === 'function' ? await extra() : extra);
  });
  after(async () => {
    // Undefined when the start-up failed (or was skipped): that failure is the one to see.
    await local?.close();
  });
  const started = (): LocalCellar => {
    assert.ok(local, 'the local Cellar did not start');
    return local;
  };
  return {
    get state() {
      return started().state;
    },
    get port() {
      return started().port;
    },
    get addressPrefix() {
      return started().addressPrefix;
    },
    get cellar() {
      return started().cellar;
    },
    get session() {
      return started().session;
    },
    get version() {
      return started().version;
    },
    restart: (more) => started().restart(more),
    close: () => started().close(),
    api: (method, path, body) => started().session.call(method, path, body),
  };
}

/** Whether an instance has settled: ACTIVE and HEALTHY, or ERROR. */
export const settled = (i: Json): boolean =>
  (i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY') || i['status'] === 'ERROR';

/** Deletes an instance through the API and checks it left no process, directory, address or OS user. */
export async function deleteWithoutTrace(local: LocalCellarOfFile, id: string): Promise<void> {
  const dir = join(local.state, 'instances', id);
  const { user } = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as {
    user?: { name: string };
  };
  assert.equal((await local.api('DELETE', `/instances/${id}`)).status, 202);
  await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
  assert.deepEqual(await processesNaming(id), []);
  assert.equal(existsSync(dir), false);
  assert.deepEqual(await readdir(join(local.state, 'instances', '.addresses')), []);
  if (user) {
    const found = await promisify(execFile)('id', [user.name]).then(
      () => true,
      () => false,
    );
    assert.equal(found, false, `user ${user.name} is still there`);
  }
}
