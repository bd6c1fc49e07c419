// Databases, users and root on a real server: names that try to break out of their quotes,
// duplicates and missing things, pages by name, renaming and dropping what is in use, and root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { asUser, code } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();

async function namesStayNames(server: LiveServer): Promise<void> {
  const { manager } = server;
  const evil = 'x"; DROP ROLE os_admin; --';
  await manager.createUser([{ name: evil, password: 'evil-Secret-1' }]);
  assert.equal((await manager.getUser({ name: evil }))?.name, evil);
  await manager.createDatabase([{ name: evil }]);
  assert.ok((await manager.listDatabases({})).items.some((d) => d.name === evil));
  await manager.deleteDatabase({ name: evil });
  await manager.deleteUser({ name: evil });
  // os_admin is still there: the manager's own session works.
  assert.equal(await manager.getUser({ name: evil }), undefined);
  await assert.rejects(
    manager.createUser([{ name: 'os_admin', password: 'x' }]),
    code('CELLAR_BAD_REQUEST'),
  );
  await assert.rejects(manager.deleteUser({ name: 'root' }), code('CELLAR_BAD_REQUEST'));
  await assert.rejects(manager.deleteDatabase({ name: 'postgres' }), code('CELLAR_BAD_REQUEST'));
  await assert.rejects(manager.createDatabase([{ name: 'bad\0name' }]), code('CELLAR_BAD_REQUEST'));
}

async function duplicatesAndMissing(server: LiveServer): Promise<void> {
  const { manager } = server;
  const exists = code('CELLAR_ALREADY_EXISTS');
  const missing = code('CELLAR_NOT_FOUND');
  await assert.rejects(manager.createDatabase([{ name: 'shop' }]), exists);
  await assert.rejects(manager.createUser([{ name: 'alice', password: 'x' }]), exists);
  await assert.rejects(manager.deleteDatabase({ name: 'nowhere' }), missing);
  await assert.rejects(manager.deleteUser({ name: 'nobody' }), missing);
  await assert.rejects(manager.changePasswords([{ name: 'nobody', password: 'x' }]), missing);
  await assert.rejects(manager.grantAccess({ name: 'bob' }, ['nowhere']), missing);
  await assert.rejects(
    manager.createUser([{ name: 'dave', password: 'x', databases: [{ name: 'nowhere' }] }]),
    missing,
  );
  assert.equal(
    await manager.getUser({ name: 'dave' }),
    undefined,
    'a user whose database is missing is not created',
  );
  await assert.rejects(
    manager.createDatabase([{ name: 'odd', characterSet: 'NO-SUCH-ENCODING' }]),
    code('CELLAR_BAD_REQUEST'),
  );
}

async function pagesByName(server: LiveServer): Promise<void> {
  const { manager } = server;
  const names = (page: { items: readonly { name: string }[] }): string[] =>
    page.items.map((item) => item.name);
  const first = await manager.listDatabases({ limit: 2 });
  assert.deepEqual(names(first), ['books', 'latin']);
  assert.equal(first.nextMarker, 'latin');
  const second = await manager.listDatabases({ limit: 2, marker: 'latin' });
  assert.deepEqual(names(second), ['p1', 'p2']);
  const last = await manager.listDatabases({ limit: 3, marker: 'p2', includeMarker: true });
  assert.deepEqual(names(last), ['p2', 'p3', 'shop']);
  assert.equal(last.nextMarker, undefined);
  const users = await manager.listUsers({ limit: 1, marker: 'alice' });
  assert.deepEqual(names(users), ['bob']);
  assert.equal(users.nextMarker, 'bob');
}

async function renameAndDropInUse(server: LiveServer): Promise<void> {
  const { manager } = server;
  await manager.updateAttributes({ name: 'bob' }, { name: 'robert', password: 'robert-Secret-3' });
  assert.equal(await manager.getUser({ name: 'bob' }), undefined);
  assert.deepEqual(
    await asUser(
      server,
      'robert',
      'robert-Secret-3',
      'shop',
      'CREATE TABLE mine (id int); SELECT current_user AS u',
    ),
    [{ u: 'robert' }],
  );
  await assert.rejects(
    manager.updateAttributes({ name: 'robert' }, { name: 'alice' }),
    code('CELLAR_ALREADY_EXISTS'),
  );
  await manager.deleteUser({ name: 'robert' });
  assert.equal(await manager.getUser({ name: 'robert' }), undefined);
  const client = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user: 'alice',
    password: 'alice-Secret-1',
    database: 'shop',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await manager.grantAccess({ name: 'alice' }, ['p1']);
    await manager.deleteDatabase({ name: 'shop' });
    assert.ok(!(await manager.listDatabases({})).items.some((d) => d.name === 'shop'));
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function rootOnAndOff(server: LiveServer): Promise<void> {
  const { manager } = server;
  const root = await manager.enableRoot();
  assert.equal(root.name, 'root');
  assert.equal(root.password?.length, 36);
  assert.equal(await manager.isRootEnabled(), true);
  const password = root.password ?? '';
  await asUser(server, 'root', password, 'postgres', 'CREATE TABLE root_owned (id int)');
  await manager.disableRoot();
  assert.equal(await manager.isRootEnabled(), false);
  await assert.rejects(asUser(server, 'root', password, 'postgres', 'SELECT 1'));
  assert.ok(!(await manager.listUsers({})).items.some((u) => u.name === 'root'));
  await manager.enableRootWithPassword('root-Again-4');
  const rows = await asUser(
    server,
    'root',
    'root-Again-4',
    'postgres',
    'SELECT count(*)::int AS n FROM root_owned',
  );
  assert.equal(rows[0]?.['n'], 0);
}

test('databases, users and root on a real server', { skip: noPostgres ?? false }, async (t) => {
  const server = await liveInstance();
  try {
    const shop = [{ name: 'shop' }];
    await server.manager.prepare({
      memoryMb: 512,
      databases: [
        ...shop,
        { name: 'books' },
        { name: 'latin', characterSet: 'LATIN1', collate: 'C' },
        ...['p1', 'p2', 'p3'].map((name) => ({ name })),
      ],
      users: [
        { name: 'alice', password: 'alice-Secret-1', databases: shop },
        { name: 'bob', password: 'bob-Secret-2', databases: shop },
        { name: 'carol', password: 'carol-Secret-3' },
      ],
    });
    await t.test('a name made to break out of its quotes is only ever a name', () =>
      namesStayNames(server),
    );
    await t.test('duplicates and missing things answer AlreadyExists and NotFound', () =>
      duplicatesAndMissing(server),
    );
    await t.test('lists page by name with limit and marker', () => pagesByName(server));
    await t.test(
      'a user who owns tables can be renamed and deleted; a database in use can be dropped',
      () => renameAndDropInUse(server),
    );
    await t.test('root: enabled with a generated password, disabled without losing the role', () =>
      rootOnAndOff(server),
    );
  } finally {
    await server.dispose();
  }
});
