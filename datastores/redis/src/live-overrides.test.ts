// Configuration-group values on a real redis-server: maxmemory-policy applies at once with CONFIG
// SET and stays after restarts (the agent's too), a dropped value goes back to Cellar's own or
// the server's default, a refused value is named, and a value cannot inject another directive.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
const code = (expected: string) => (error: unknown) =>
  isCellarError(error) && error.code === expected;

/** What root reads with CONFIG GET, as a tenant sees the running value. */
async function configGet(server: LiveServer, name: string): Promise<string> {
  const root = await server.connect('default', 'root-pw');
  try {
    const reply = (await root.call('CONFIG', 'GET', name)) as string[];
    return String(reply[1]);
  } finally {
    root.disconnect();
  }
}

test('configuration-group values on a real redis-server', { skip }, async (t) => {
  const server = await liveInstance();
  t.after(() => server.dispose());
  const { manager } = server;
  await manager.prepare({
    memoryMb: 256,
    databases: [],
    users: [],
    rootPassword: 'root-pw',
    overrides: { timeout: 300 },
  });
  await t.test('a group given at create is in force from the first start', async () => {
    assert.equal(await configGet(server, 'timeout'), '300');
  });
  await t.test('maxmemory-policy applies at once and after restarts', async () => {
    assert.equal(await configGet(server, 'maxmemory-policy'), 'noeviction');
    await manager.updateOverrides({ timeout: 300, 'maxmemory-policy': 'allkeys-lru' }, false);
    await manager.applyOverrides({ 'maxmemory-policy': 'allkeys-lru' });
    assert.equal(await configGet(server, 'maxmemory-policy'), 'allkeys-lru');
    await server.newManager().restart();
    assert.equal(await configGet(server, 'maxmemory-policy'), 'allkeys-lru');
    assert.equal(await configGet(server, 'timeout'), '300');
  });
  await t.test('a dropped value goes back to Cellar’s own or the server’s default', async () => {
    await manager.updateOverrides({}, true);
    await manager.applyOverrides({ 'maxmemory-policy': null, timeout: null });
    assert.equal(await configGet(server, 'maxmemory-policy'), 'noeviction');
    assert.equal(await configGet(server, 'timeout'), '0');
    await manager.restart();
    assert.equal(await configGet(server, 'timeout'), '0');
  });
  await t.test('a value the server refuses is named', async () => {
    await assert.rejects(
      manager.applyOverrides({ 'maxmemory-policy': 'sometimes' }),
      (error: unknown) =>
        code('CELLAR_CONFIGURATION_PARAMETER_REFUSED')(error) &&
        /refused maxmemory-policy = "sometimes": .*must be one of/.test((error as Error).message),
    );
  });
  await t.test('a value cannot inject another directive', async () => {
    const store = join(server.mountPoint, 'cellar-overrides.json');
    const before = await readFile(store, 'utf8');
    await assert.rejects(
      manager.updateOverrides({ 'notify-keyspace-events': 'Ex\nenable-debug-command yes' }, false),
      code('CELLAR_BAD_REQUEST'),
    );
    await assert.rejects(
      manager.updateOverrides({ 'timeout 1\nbind': 5 }, false),
      code('CELLAR_BAD_REQUEST'),
    );
    assert.equal(await readFile(store, 'utf8'), before, 'nothing half-written');
    // A quote stays inside its value, and a list value keeps its words.
    await manager.updateOverrides(
      { 'notify-keyspace-events': 'Ex', 'client-output-buffer-limit': 'pubsub 32mb 8mb 60' },
      false,
    );
    await manager.restart();
    assert.equal(await configGet(server, 'notify-keyspace-events'), 'xE');
    assert.match(
      await configGet(server, 'client-output-buffer-limit'),
      /pubsub 33554432 8388608 60/,
    );
  });
});
