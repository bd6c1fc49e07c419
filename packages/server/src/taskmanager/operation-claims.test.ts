import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import type { Transport } from '@cellar/rpc';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import type { ComputeDriver } from '../drivers/compute/compute-driver.js';
import { resetInstanceStatus } from '../instances/actions.js';
import { Quotas } from '../quotas/quotas.js';
import { newInstanceKey, seal } from '../secrets.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { postgresBinaries, startPostgres, type PostgresServer } from '../testing/postgresql.js';
import { Operations } from './operations.js';
import { stepsOf, TaskManager } from './taskmanager.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noGuests: Transport = {
  competingConsumers: false,
  listen: () => Promise.reject(new Error('not served here')),
  request: () => Promise.reject(new Error('no guest here')),
  send: () => Promise.reject(new Error('no guest here')),
  close: async () => undefined,
};

let control: ControlDatabase;
let controlKey: string;

/** One PostgreSQL server for the file, started when a test first needs it; a database per test. */
let postgres: Promise<PostgresServer> | undefined;
let databases = 0;
after(async () => {
  if (postgres) await (await postgres).stop();
});

async function openSqlite(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-claims-'));
  control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  return () => rm(dir, { recursive: true, force: true });
}

async function openPostgresql(): Promise<() => Promise<void>> {
  postgres ??= startPostgres();
  const { url } = await postgres;
  const name = `claims_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  control = await openDatabase({
    dialect: 'postgresql',
    url: url.replace(/\/cellar$/, `/${name}`),
  });
  return async () => undefined;
}

const dialects = [
  { name: 'SQLite', open: openSqlite, skip: false },
  {
    name: 'PostgreSQL',
    open: openPostgresql,
    skip: postgresBinaries() === undefined ? 'PostgreSQL is not installed' : false,
  },
] as const;

/** Each check on a fresh control database of both dialects. */
function bothDialects(name: string, body: () => Promise<void>): void {
  for (const dialect of dialects)
    test(`${name} (${dialect.name})`, { skip: dialect.skip }, async () => {
      const cleanup = await dialect.open();
      try {
        await migrateToLatest(control.db);
        controlKey = newInstanceKey();
        await body();
      } finally {
        await control.close();
        await cleanup();
      }
    });
}

/** A taskmanager whose compute driver removes servers with `deleteServer`; its guests never answer. */
function taskManager(
  deleteServer: (id: string) => Promise<void>,
  { leaseSeconds = 0.3, owner }: { leaseSeconds?: number; owner?: string } = {},
) {
  const compute: ComputeDriver = {
    name: 'fake',
    createServer: () => Promise.reject(new Error('no creates here')),
    getServer: async () => undefined,
    deleteServer,
    adopt: async () => [],
    close: async () => undefined,
  };
  return new TaskManager({
    db: control.db,
    compute,
    transport: noGuests,
    controlKey,
    quotas: new Quotas(control.db, { instances: 5, ram: 51200, volumes: 20, backups: 50 }),
    datastoreSettings: () => ({ usageTimeout: 10, tcpPorts: [], udpPorts: [] }),
    guestTimeouts: { low: 1, high: 1 },
    log: silent,
    leaseSeconds,
    ...(owner === undefined ? {} : { owner }),
  });
}

/** A delete of a new instance, recorded as the API records it; returns both ids. */
async function recordDelete(rpcKey = seal(controlKey, newInstanceKey())) {
  const instanceId = await insertInstance(control.db, rpcKey);
  await control.db
    .insertInto('service_statuses')
    .values({ instance_id: instanceId, status: 'healthy', updated_at: now() })
    .execute();
  const operationId = await control.db
    .transaction()
    .execute((trx) =>
      new Operations(control.db, controlKey).create(trx, instanceId, 'delete', {}, stepsOf.delete),
    );
  return { instanceId, operationId };
}

const operation = (id: string) =>
  control.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const instance = (id: string) =>
  control.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const serverStep = async (id: string) =>
  (
    await control.db
      .selectFrom('operation_steps')
      .select('status')
      .where('operation_id', '=', id)
      .where('name', '=', 'server')
      .executeTakeFirstOrThrow()
  ).status;

/** Polls `check` until it holds, failing after `seconds`. */
async function until(what: string, check: () => Promise<boolean>, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

bothDialects(
  'a second taskmanager does not run an operation a live one holds, and takes it once that one dies',
  async () => {
    const { instanceId, operationId } = await recordDelete();
    const stuck = gate();
    const first = taskManager(() => stuck.opened);
    const removedBySecond: string[] = [];
    const second = taskManager(async (id) => void removedBySecond.push(id));
    const firstRun = first.run(operationId);
    await until(
      'the first to run the server step',
      async () => (await serverStep(operationId)) === 'running',
    );

    // Past the first claim's end: only the renewals while its step runs keep it.
    const claimedUntil = (await operation(operationId)).lease_until ?? '';
    await until('the first to renew its claim past its first end', async () => {
      const lease = (await operation(operationId)).lease_until ?? '';
      return new Date().toISOString() > claimedUntil && lease > claimedUntil;
    });
    await second.resume();
    assert.deepEqual(removedBySecond, [], 'the second ran an operation the first holds');
    assert.equal((await operation(operationId)).status, 'running');

    first.abandon();
    const stopWatching = second.watchOperations(0.3);
    try {
      await until(
        'the second to finish the delete',
        async () => (await operation(operationId)).status === 'succeeded',
      );
    } finally {
      await stopWatching();
    }
    assert.deepEqual(removedBySecond, [instanceId]);
    assert.notEqual((await instance(instanceId)).deleted_at, null);
    stuck.open();
    await firstRun;
    assert.equal((await operation(operationId)).status, 'succeeded');
    assert.equal(await serverStep(operationId), 'succeeded');
  },
);

bothDialects(
  'reset_status during a running operation stays failed and its remaining steps do not run',
  async () => {
    const { instanceId, operationId } = await recordDelete();
    const stuck = gate();
    const running = taskManager(() => stuck.opened);
    const run = running.run(operationId);
    await until(
      'the server step to run',
      async () => (await serverStep(operationId)) === 'running',
    );
    await resetInstanceStatus({ db: control.db }, 'p1', instanceId);
    stuck.open();
    await run;

    const ended = await operation(operationId);
    assert.equal(ended.status, 'failed');
    assert.equal(ended.error_code, 'CELLAR_OPERATION_INTERRUPTED');
    const row = await instance(instanceId);
    assert.equal(row.task_status, 'NONE');
    assert.equal(row.deleted_at, null, 'the records step ran after the reset');
  },
);

bothDialects(
  'an operation that crashes before its steps ends failed as interrupted instead of staying open',
  async () => {
    // Its guest key was sealed with another control key: reading its context throws.
    const { instanceId, operationId } = await recordDelete(
      seal(newInstanceKey(), newInstanceKey()),
    );
    await taskManager(async () => undefined).run(operationId);
    const ended = await operation(operationId);
    assert.equal(ended.status, 'failed');
    assert.equal(ended.error_code, 'CELLAR_OPERATION_INTERRUPTED');
    assert.equal((await instance(instanceId)).task_status, 'DELETE_ERROR');
  },
);

bothDialects(
  'an operation whose hand-over was lost is taken by the watch once nobody claimed it',
  async () => {
    const { instanceId, operationId } = await recordDelete();
    const removed: string[] = [];
    const watching = taskManager(async (id) => void removed.push(id));
    const stopWatching = watching.watchOperations(0.3);
    try {
      await until(
        'the watch to run the delete',
        async () => (await operation(operationId)).status === 'succeeded',
      );
    } finally {
      await stopWatching();
    }
    assert.deepEqual(removed, [instanceId]);
  },
);

bothDialects(
  'a taskmanager restarted under its name takes its operations back at once',
  async () => {
    const { instanceId, operationId } = await recordDelete();
    const stuck = gate();
    const killed = taskManager(() => stuck.opened, { leaseSeconds: 60, owner: 'tm-a' });
    const killedRun = killed.run(operationId);
    await until(
      'the server step to run',
      async () => (await serverStep(operationId)) === 'running',
    );
    killed.abandon();

    const removed: string[] = [];
    const stranger = taskManager(async (id) => void removed.push(id), { leaseSeconds: 60 });
    await stranger.resume();
    assert.equal(removed.length, 0, 'a peer took an operation whose lease has not expired');
    const restarted = taskManager(async (id) => void removed.push(id), {
      leaseSeconds: 60,
      owner: 'tm-a',
    });
    await restarted.resume();
    assert.equal((await operation(operationId)).status, 'succeeded');
    assert.deepEqual(removed, [instanceId]);
    stuck.open();
    await killedRun;
  },
);
