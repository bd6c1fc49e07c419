// Databases, users and access on a real MariaDB: names and passwords that try to break out of their
// quotes, host patterns, grants that name one database only, passwords changed in place, renames.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { asUser, canLogIn, code } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noServer = whyNoServer();
let server: LiveServer;

before(async () => {
  if (noServer !== undefined) return;
  server = await liveInstance();
  await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
});
after(() => server?.dispose());

const EVIL = [`it's`, 'back`tick', 'back\\slash', 'x"; DROP DATABASE mysql; --', 'c/*d', "e' -- f"];

test(
  'names and passwords with quotes, backticks, backslashes, -- and /* stay what they are',
  { skip: noServer },
  async () => {
    const { manager } = server;
    for (const [i, evil] of EVIL.entries()) {
      const password = `${evil}-Pw-${i}`;
      await manager.createDatabase([{ name: evil }]);
      await manager.createUser([{ name: evil, password, databases: [{ name: evil }] }]);
      assert.deepEqual(await manager.getUser({ name: evil }), {
        name: evil,
        host: '%',
        databases: [{ name: evil }],
      });
      await asUser(server, evil, password, 'CREATE TABLE t (id INT)', evil);
      const [row] = await asUser(
        server,
        evil,
        password,
        'SELECT CURRENT_USER() AS me, DATABASE() AS db',
        evil,
      );
      assert.deepEqual(row, { me: `${evil}@%`, db: evil });
    }
    const listed = (await manager.listDatabases({})).items.map((d) => d.name);
    for (const evil of EVIL) assert.ok(listed.includes(evil), evil);
    for (const evil of EVIL) {
      await manager.deleteUser({ name: evil });
      await manager.deleteDatabase({ name: evil });
    }
    assert.deepEqual((await manager.listUsers({})).items, []);
    assert.deepEqual((await manager.listDatabases({})).items, []);
  },
);

test(
  'a user is name and host: the host pattern decides where it may log in from',
  { skip: noServer },
  async () => {
    const { manager } = server;
    await manager.createUser([
      { name: 'bob', password: 'bob-Pw-1' },
      { name: 'bob', host: '10.9.8.%', password: 'bob-Pw-2' },
    ]);
    assert.deepEqual(
      (await manager.listUsers({})).items.map((u) => `${u.name}@${u.host}`),
      ['bob@%', 'bob@10.9.8.%'],
    );
    assert.equal((await manager.getUser({ name: 'bob', host: '10.9.8.%' }))?.host, '10.9.8.%');
    assert.equal(await canLogIn(server, 'bob', 'bob-Pw-1'), true);
    await manager.deleteUser({ name: 'bob' });
    // Only bob@10.9.8.% is left, and loopback is not in 10.9.8.%.
    assert.equal(await canLogIn(server, 'bob', 'bob-Pw-2'), false);
    await assert.rejects(manager.deleteUser({ name: 'bob' }), code('CELLAR_NOT_FOUND'));
    await manager.deleteUser({ name: 'bob', host: '10.9.8.%' });
  },
);

test(
  'access is granted on the named database only, listed, and revoked',
  { skip: noServer },
  async () => {
    const { manager } = server;
    await manager.createDatabase([{ name: 'a_b' }, { name: 'axb' }, { name: 'other' }]);
    await manager.createUser([{ name: 'carol', password: 'carol-Pw-1' }]);
    await manager.grantAccess({ name: 'carol' }, ['a_b', 'other']);
    assert.deepEqual(await manager.listAccess({ name: 'carol' }), [
      { name: 'a_b' },
      { name: 'other' },
    ]);
    await asUser(server, 'carol', 'carol-Pw-1', 'CREATE TABLE t (id INT)', 'a_b');
    // `_` is a wildcard in GRANT: escaped, a_b does not open axb.
    await assert.rejects(asUser(server, 'carol', 'carol-Pw-1', 'SELECT 1', 'axb'), /denied/);
    await manager.revokeAccess({ name: 'carol' }, 'other');
    await assert.rejects(asUser(server, 'carol', 'carol-Pw-1', 'SELECT 1', 'other'), /denied/);
    await assert.rejects(
      manager.revokeAccess({ name: 'carol' }, 'other'),
      code('CELLAR_NOT_FOUND'),
    );
    await assert.rejects(
      manager.grantAccess({ name: 'carol' }, ['nowhere']),
      code('CELLAR_NOT_FOUND'),
    );
    // A dropped database takes its grants along: a new one of the same name is not carol's.
    await manager.deleteDatabase({ name: 'a_b' });
    await manager.createDatabase([{ name: 'a_b' }]);
    assert.deepEqual(await manager.listAccess({ name: 'carol' }), []);
    for (const name of ['a_b', 'axb', 'other']) await manager.deleteDatabase({ name });
    await manager.deleteUser({ name: 'carol' });
  },
);

test(
  'passwords change in place, and a rename keeps the password and the grants',
  { skip: noServer },
  async () => {
    const { manager } = server;
    await manager.createDatabase([{ name: 'kept' }]);
    await manager.createUser([
      { name: 'dave', password: 'old-Pw-1', databases: [{ name: 'kept' }] },
    ]);
    await manager.changePasswords([{ name: 'dave', password: "new'Pw\\2`" }]);
    assert.equal(await canLogIn(server, 'dave', 'old-Pw-1'), false);
    assert.equal(await canLogIn(server, 'dave', "new'Pw\\2`"), true);
    await manager.updateAttributes({ name: 'dave' }, { name: 'david', host: '127.77.%' });
    assert.equal(await manager.getUser({ name: 'dave' }), undefined);
    assert.deepEqual(await manager.getUser({ name: 'david', host: '127.77.%' }), {
      name: 'david',
      host: '127.77.%',
      databases: [{ name: 'kept' }],
    });
    await assert.rejects(
      manager.changePasswords([{ name: 'nobody', password: 'x' }]),
      code('CELLAR_NOT_FOUND'),
    );
    await manager.createUser([{ name: 'erin', password: 'erin-Pw-1' }]);
    await assert.rejects(
      manager.updateAttributes({ name: 'erin' }, { name: 'david', host: '127.77.%' }),
      code('CELLAR_ALREADY_EXISTS'),
    );
    await assert.rejects(
      manager.createUser([{ name: 'erin', password: 'x' }]),
      code('CELLAR_ALREADY_EXISTS'),
    );
    await manager.deleteUser({ name: 'erin' });
    await manager.deleteUser({ name: 'david', host: '127.77.%' });
    await manager.deleteDatabase({ name: 'kept' });
  },
);

test(
  "databases get Trove's character set and collation by default, the given ones, or a 400",
  { skip: noServer },
  async () => {
    const { manager } = server;
    await manager.createDatabase([
      { name: 'plain' },
      { name: 'four', characterSet: 'utf8mb4' },
      { name: 'latin', collate: 'latin1_bin' },
      { name: 'old', characterSet: 'utf8', collate: 'utf8_unicode_ci' },
    ]);
    const byName = new Map((await manager.listDatabases({})).items.map((d) => [d.name, d]));
    assert.deepEqual(byName.get('plain'), {
      name: 'plain',
      characterSet: 'utf8mb3',
      collate: 'utf8mb3_general_ci',
    });
    assert.equal(byName.get('four')?.characterSet, 'utf8mb4');
    assert.deepEqual(byName.get('latin'), {
      name: 'latin',
      characterSet: 'latin1',
      collate: 'latin1_bin',
    });
    assert.equal(byName.get('old')?.collate, 'utf8mb3_unicode_ci');
    const bad = code('CELLAR_BAD_REQUEST');
    await assert.rejects(manager.createDatabase([{ name: 'x', characterSet: 'klingon' }]), bad);
    await assert.rejects(
      manager.createDatabase([{ name: 'x', characterSet: 'latin1', collate: 'utf8mb4_bin' }]),
      bad,
    );
    await assert.rejects(
      manager.createDatabase([{ name: 'plain' }]),
      code('CELLAR_ALREADY_EXISTS'),
    );
    for (const name of byName.keys()) await manager.deleteDatabase({ name });
  },
);

test(
  'system accounts and schemas never show and never change; ignore_users and ignore_dbs add to them',
  { skip: noServer },
  async () => {
    const { manager } = server;
    await manager.enableRoot();
    assert.deepEqual(
      (await manager.listUsers({})).items,
      [],
      'os_admin, os_backup, root, mariadb.sys hidden',
    );
    assert.deepEqual((await manager.listDatabases({})).items, [], 'mysql, sys, … hidden');
    const bad = code('CELLAR_BAD_REQUEST');
    for (const name of ['os_admin', 'os_backup', 'root', 'mariadb.sys'])
      await assert.rejects(manager.deleteUser({ name, host: 'localhost' }), bad);
    await assert.rejects(manager.createUser([{ name: 'root', password: 'x' }]), bad);
    for (const name of ['mysql', 'sys', 'information_schema', 'performance_schema'])
      await assert.rejects(manager.deleteDatabase({ name }), bad);
    const guarded = server.newManager(undefined, { ignore_users: ['ops'], ignore_dbs: ['audit'] });
    await manager.createUser([{ name: 'ops', password: 'ops-Pw-1' }]);
    await manager.createDatabase([{ name: 'audit' }]);
    assert.deepEqual((await guarded.listUsers({})).items, []);
    assert.deepEqual((await guarded.listDatabases({})).items, []);
    await assert.rejects(guarded.deleteUser({ name: 'ops' }), bad);
    await assert.rejects(guarded.deleteDatabase({ name: 'audit' }), bad);
    await manager.deleteUser({ name: 'ops' });
    await manager.deleteDatabase({ name: 'audit' });
    await manager.disableRoot();
  },
);

test(
  'root is root@% with every privilege, its password returned once; disabling ends it',
  { skip: noServer },
  async () => {
    const { manager } = server;
    const root = await manager.enableRoot();
    assert.equal(root.name, 'root');
    assert.equal(root.password?.length, 36);
    assert.equal(await manager.isRootEnabled(), true);
    const [grants] = await asUser(
      server,
      'root',
      root.password ?? '',
      'SELECT CURRENT_USER() AS me',
    );
    assert.deepEqual(grants, { me: 'root@%' });
    await asUser(server, 'root', root.password ?? '', 'CREATE DATABASE by_root');
    const again = await manager.enableRootWithPassword("r'oo`t\\ -- /*");
    assert.equal(await canLogIn(server, 'root', root.password ?? ''), false);
    assert.equal(await canLogIn(server, 'root', again.password ?? ''), true);
    await manager.disableRoot();
    assert.equal(await manager.isRootEnabled(), false);
    assert.equal(await canLogIn(server, 'root', again.password ?? ''), false);
    await manager.deleteDatabase({ name: 'by_root' });
  },
);
