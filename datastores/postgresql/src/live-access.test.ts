// Who may reach what on a real server: pg_hba follows apply_access for clients by address, and
// granted databases are the only ones a user can connect to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asUser, code } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();

async function hbaFollowsApplyAccess(server: LiveServer): Promise<void> {
  const { manager } = server;
  assert.equal(await manager.applyAccess(['10.0.0.0/24']), true);
  await assert.rejects(
    asUser(server, 'alice', 'alice-Secret-1', 'shop', 'SELECT 1'),
    /no pg_hba\.conf entry/,
  );
  await manager.applyAccess(['127.0.0.1/32']);
  assert.deepEqual(await asUser(server, 'alice', 'alice-Secret-1', 'shop', 'SELECT 1 AS one'), [
    { one: 1 },
  ]);
  await assert.rejects(manager.applyAccess(['127.0.0.1']), code('CELLAR_BAD_REQUEST'));
  await manager.applyAccess([]);
}

async function grantedDatabasesOnly(server: LiveServer): Promise<void> {
  const { manager } = server;
  await manager.createDatabase([{ name: 'books' }]);
  await assert.rejects(
    asUser(server, 'bob', 'bob-Secret-2', 'books', 'SELECT 1'),
    /permission denied for database/,
  );
  await manager.grantAccess({ name: 'bob' }, ['books', 'shop']);
  assert.deepEqual(await manager.listAccess({ name: 'bob' }), [
    { name: 'books' },
    { name: 'shop' },
  ]);
  await asUser(server, 'bob', 'bob-Secret-2', 'books', 'CREATE TABLE shelf (id int)');
  await manager.revokeAccess({ name: 'bob' }, 'books');
  assert.deepEqual(await manager.listAccess({ name: 'bob' }), [{ name: 'shop' }]);
  await assert.rejects(
    asUser(server, 'bob', 'bob-Secret-2', 'books', 'SELECT 1'),
    /permission denied for database/,
  );
  await assert.rejects(manager.revokeAccess({ name: 'bob' }, 'books'), code('CELLAR_NOT_FOUND'));
  const users = await manager.listUsers({});
  assert.deepEqual(
    users.items.map((u) => u.name),
    ['alice', 'bob', 'carol'],
  );
  assert.deepEqual(users.items.find((u) => u.name === 'alice')?.databases, [{ name: 'shop' }]);
}

test('access to a real server', { skip: noPostgres ?? false }, async (t) => {
  const server = await liveInstance();
  try {
    await server.manager.prepare({
      memoryMb: 512,
      databases: [{ name: 'shop' }],
      users: [
        { name: 'alice', password: 'alice-Secret-1', databases: [{ name: 'shop' }] },
        { name: 'bob', password: 'bob-Secret-2' },
        { name: 'carol', password: 'carol-Secret-3' },
      ],
    });
    await t.test('pg_hba follows apply_access: a client outside the CIDRs is refused', () =>
      hbaFollowsApplyAccess(server),
    );
    await t.test('access: granted databases are listed, and only they let the user in', () =>
      grantedDatabasesOnly(server),
    );
  } finally {
    await server.dispose();
  }
});
