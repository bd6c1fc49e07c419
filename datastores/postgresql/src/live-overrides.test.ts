// Configuration-group values on a real server: a dynamic one applies at once, a restart-required
// one after a restart (and the agent's restart), dropping and removing them goes back to Cellar's
// own, a refused value is named, and a value cannot smuggle in another setting.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { asUser, code, waitFor } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();

const show = async (server: LiveServer, name: string): Promise<string> => {
  const rows = await asUser(server, 'alice', 'alice-Secret-1', 'postgres', `SHOW ${name}`);
  return String(rows[0]?.[name]);
};

/** A reload reaches new sessions once the postmaster has read the files: wait for it. */
const showsSoon = (server: LiveServer, name: string, value: string): Promise<void> =>
  waitFor(async () => (await show(server, name)) === value, 10_000).catch(async () => {
    assert.equal(await show(server, name), value, `SHOW ${name}`);
  });

async function dynamicAtOnceRestartLater(server: LiveServer): Promise<void> {
  const { manager } = server;
  assert.equal(await show(server, 'max_connections'), '100');
  await manager.updateOverrides({ work_mem: 8192, max_connections: 150 }, false);
  await manager.applyOverrides({ work_mem: 8192 });
  await showsSoon(server, 'work_mem', '8MB');
  assert.equal(await show(server, 'max_connections'), '100', 'needs a restart');
  await manager.restart();
  assert.equal(await show(server, 'max_connections'), '150');
  assert.equal(await show(server, 'work_mem'), '8MB');
  // The guest agent restarts: its new manager finds the set where it left it.
  const again = server.newManager();
  await again.restart();
  assert.equal(await show(server, 'max_connections'), '150');
}

async function droppedAndRemoved(server: LiveServer): Promise<void> {
  const { manager } = server;
  // The group drops work_mem: the server goes back to the flavor's value at once.
  await manager.updateOverrides({ max_connections: 150 }, false);
  await manager.applyOverrides({ work_mem: null });
  await waitFor(async () => (await show(server, 'work_mem')) !== '8MB');
  await manager.updateOverrides({}, true);
  await manager.restart();
  assert.equal(await show(server, 'max_connections'), '100');
}

async function refusedValueIsNamed(server: LiveServer): Promise<void> {
  await assert.rejects(
    server.manager.applyOverrides({ work_mem: 10 }),
    (error: unknown) =>
      code('CELLAR_CONFIGURATION_PARAMETER_REFUSED')(error) &&
      /work_mem = 10: .*"work_mem" \(64 /.test((error as Error).message),
  );
  // The caller puts the previous set back; the server runs on.
  await server.manager.updateOverrides({}, true);
  await server.manager.applyOverrides({ work_mem: null });
  assert.equal(await server.manager.getServiceStatus(), 'healthy');
}

async function valuesCannotInject(server: LiveServer): Promise<void> {
  const file = `${server.mountPoint}/data/cellar-overrides.conf`;
  const before = await readFile(file, 'utf8');
  await assert.rejects(
    server.manager.updateOverrides({ application_name: "x'\nlisten_addresses = '*'" }, false),
    code('CELLAR_BAD_REQUEST'),
  );
  await assert.rejects(
    server.manager.updateOverrides({ 'work_mem = 1\nport': 5 }, false),
    code('CELLAR_BAD_REQUEST'),
  );
  assert.equal(await readFile(file, 'utf8'), before, 'nothing half-written');
  // A quote and a backslash stay inside the value.
  await server.manager.updateOverrides({ application_name: "it's \\ 'quoted'" }, false);
  await server.manager.applyOverrides({ application_name: "it's \\ 'quoted'" });
  await showsSoon(server, 'application_name', "it's \\ 'quoted'");
}

test('configuration-group values on a real server', { skip: noPostgres ?? false }, async (t) => {
  const server = await liveInstance();
  try {
    await server.manager.prepare({
      memoryMb: 512,
      databases: [],
      users: [{ name: 'alice', password: 'alice-Secret-1' }],
    });
    await t.test('work_mem applies at once, max_connections after a restart', () =>
      dynamicAtOnceRestartLater(server),
    );
    await t.test('a dropped value and a removed group go back to Cellar’s own', () =>
      droppedAndRemoved(server),
    );
    await t.test('a value the server refuses is named', () => refusedValueIsNamed(server));
    await t.test('a value cannot inject another setting', () => valuesCannotInject(server));
  } finally {
    await server.dispose();
  }
});

test(
  'a group given at create is in force from the first start',
  { skip: noPostgres ?? false },
  async () => {
    const server = await liveInstance();
    try {
      await server.manager.prepare({
        memoryMb: 512,
        databases: [],
        users: [{ name: 'alice', password: 'alice-Secret-1' }],
        overrides: { work_mem: 4096, max_connections: 120 },
      });
      assert.equal(await show(server, 'work_mem'), '4MB');
      assert.equal(await show(server, 'max_connections'), '120');
    } finally {
      await server.dispose();
    }
  },
);
