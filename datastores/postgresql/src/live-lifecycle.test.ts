// A real server's life through the manager: restarted with its data, adopted by a new manager,
// stopped and resumed, and recovered after it died without being stopped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPidFile } from './postmaster.js';
import { asUser, code, isRunning, postmasterPid, waitFor } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();

async function restartKeepsTheData(server: LiveServer): Promise<void> {
  const { manager } = server;
  const before = postmasterPid(server);
  await manager.restart();
  assert.notEqual(postmasterPid(server), before);
  assert.equal(await manager.getServiceStatus(), 'healthy');
  assert.deepEqual(
    await asUser(server, 'alice', 'alice-Secret-1', 'p1', 'SELECT current_database() AS db'),
    [{ db: 'p1' }],
  );
  assert.deepEqual(
    (await manager.listAccess({ name: 'alice' })).map((d) => d.name),
    ['p1'],
  );
}

async function adoptsTheRunningServer(server: LiveServer): Promise<void> {
  const pid = postmasterPid(server);
  const adopted = server.newManager();
  assert.equal(await adopted.getServiceStatus(), 'healthy');
  await adopted.resume();
  assert.equal(postmasterPid(server), pid);
  assert.ok((await adopted.listDatabases({})).items.some((d) => d.name === 'p1'));
}

async function stopAndResume(server: LiveServer): Promise<void> {
  const { manager } = server;
  await manager.stopDb();
  assert.equal(await manager.getServiceStatus(), 'shutdown');
  await manager.stopDb();
  assert.equal(await server.newManager().getServiceStatus(), 'shutdown');
  await assert.rejects(
    manager.listDatabases({}),
    (error: unknown) =>
      code('CELLAR_INSTANCE_NOT_READY')(error) && /shutdown/.test((error as Error).message),
  );
  await manager.resume();
  assert.equal(await manager.getServiceStatus(), 'healthy');
  assert.equal((await manager.listUsers({})).items.length, 2);
}

async function recoversFromACrash(server: LiveServer): Promise<void> {
  const { manager } = server;
  const pid = postmasterPid(server);
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => readPidFile(`${server.mountPoint}/data`) === undefined || !isRunning(pid));
  assert.equal(await manager.getServiceStatus(), 'crashed');
  await manager.resume();
  assert.equal(await manager.getServiceStatus(), 'healthy');
  assert.deepEqual(await asUser(server, 'alice', 'alice-Secret-1', 'p1', 'SELECT 1 AS one'), [
    { one: 1 },
  ]);
}

test(
  'a real server through restarts, stops and crashes',
  { skip: noPostgres ?? false },
  async (t) => {
    const server = await liveInstance();
    try {
      await server.manager.prepare({
        memoryMb: 512,
        databases: [{ name: 'p1' }],
        users: [
          { name: 'alice', password: 'alice-Secret-1', databases: [{ name: 'p1' }] },
          { name: 'bob', password: 'bob-Secret-2' },
        ],
      });
      await t.test('restart keeps the data', () => restartKeepsTheData(server));
      await t.test('a new manager adopts the running server instead of starting a second one', () =>
        adoptsTheRunningServer(server),
      );
      await t.test(
        'stop_db reports shutdown, is idempotent, and resume starts the server again',
        () => stopAndResume(server),
      );
      await t.test(
        'a server that died without being stopped is reported crashed, and resume recovers it',
        () => recoversFromACrash(server),
      );
    } finally {
      await server.dispose();
    }
  },
);
