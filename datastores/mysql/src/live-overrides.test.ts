// Configuration-group values on a real MariaDB: a dynamic one applies at once with SET GLOBAL,
// the set is in the option file at every start (the agent's restart too), dropping one goes back
// to Cellar's own value, a refused value is named, and a value cannot inject another setting.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { asUser, code } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noServer = whyNoServer();

const global = async (server: LiveServer, name: string): Promise<unknown> => {
  const [row] = await asUser(server, 'alice', 'alice-Secret-1', `SELECT @@GLOBAL.${name} AS v`);
  return row?.['v'];
};

test('configuration-group values on a real MariaDB', { skip: noServer }, async (t) => {
  const server = await liveInstance();
  t.after(() => server.dispose());
  const { manager } = server;
  await manager.prepare({
    memoryMb: 512,
    databases: [],
    users: [{ name: 'alice', password: 'alice-Secret-1' }],
    overrides: { wait_timeout: 600 },
  });
  await t.test('a group given at create is in force from the first start', async () => {
    assert.equal(await global(server, 'wait_timeout'), 600);
  });
  await t.test('max_connections applies at once and after restarts', async () => {
    assert.equal(await global(server, 'max_connections'), 100);
    await manager.updateOverrides({ wait_timeout: 600, max_connections: 321 }, false);
    await manager.applyOverrides({ max_connections: 321 });
    assert.equal(await global(server, 'max_connections'), 321);
    // The guest agent restarts: its new manager renders the option file with the set.
    await server.newManager().restart();
    assert.equal(await global(server, 'max_connections'), 321);
    assert.equal(await global(server, 'wait_timeout'), 600);
  });
  await t.test(
    'a dropped value goes back to Cellar’s own, a removed group after a restart',
    async () => {
      await manager.updateOverrides({ wait_timeout: 600 }, false);
      await manager.applyOverrides({ max_connections: null });
      assert.equal(await global(server, 'max_connections'), 100);
      await manager.updateOverrides({}, true);
      await manager.restart();
      assert.equal(await global(server, 'wait_timeout'), 28800);
    },
  );
  await t.test('a value the server refuses is named', async () => {
    await assert.rejects(
      manager.applyOverrides({ max_connections: 'lots' }),
      (error: unknown) =>
        code('CELLAR_CONFIGURATION_PARAMETER_REFUSED')(error) &&
        /refused max_connections = "lots": .*max_connections/.test((error as Error).message),
    );
    await assert.rejects(
      manager.applyOverrides({ innodb_log_buffer_size: 1048576 }),
      (error: unknown) =>
        code('CELLAR_CONFIGURATION_PARAMETER_REFUSED')(error) &&
        /innodb_log_buffer_size.*read only/.test((error as Error).message),
    );
  });
  await t.test('a value cannot inject another setting', async () => {
    const store = join(server.mountPoint, 'cellar-overrides.json');
    const before = await readFile(store, 'utf8');
    await assert.rejects(
      manager.updateOverrides({ sql_mode: 'ANSI\ninit_file = /etc/shadow' }, false),
      code('CELLAR_BAD_REQUEST'),
    );
    await assert.rejects(
      manager.updateOverrides({ 'wait_timeout = 1\ninit_file': 5 }, false),
      code('CELLAR_BAD_REQUEST'),
    );
    assert.equal(await readFile(store, 'utf8'), before, 'nothing half-written');
  });
});
