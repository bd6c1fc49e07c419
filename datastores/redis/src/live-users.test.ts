// ACL users and root against a real redis-server prepared by the manager, checked as a tenant
// would: logging in over TCP with ioredis and redis-cli, and trying what the rules forbid.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isCellarError } from '@cellar/plugin-api';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
const run = promisify(execFile);
let server: LiveServer;

before(async () => {
  if (skip !== false) return;
  server = await liveInstance();
  await server.manager.prepare({
    memoryMb: 256,
    databases: [],
    users: [{ name: 'app', password: 'app-pw', rules: '~app:* +@read +@write -@dangerous' }],
  });
});
after(async () => {
  await server?.dispose();
});

const code =
  (expected: string) =>
  (error: unknown): boolean =>
    isCellarError(error) && error.code === expected;

/** redis-cli as a tenant runs it; -e makes a refused command fail the exit status. */
async function cli(user: string, password: string, ...command: string[]): Promise<string> {
  const { stdout } = await run(
    'redis-cli',
    ['-h', server.address, '-p', String(server.port), '--user', user, '-e', ...command],
    { env: { REDISCLI_AUTH: password, PATH: process.env['PATH'] ?? '' } },
  ).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: `refused: ${error.stdout ?? ''}${error.stderr ?? ''}`,
  }));
  return stdout.trim();
}

test(
  'an ACL user created through the manager can do what its rules allow and nothing else',
  { skip },
  async () => {
    assert.equal(await cli('app', 'app-pw', 'SET', 'app:1', 'v'), 'OK');
    assert.equal(await cli('app', 'app-pw', 'GET', 'app:1'), 'v');
    assert.match(await cli('app', 'app-pw', 'SET', 'other:1', 'v'), /refused: .*NOPERM/s);
    assert.match(await cli('app', 'app-pw', 'FLUSHALL'), /refused: .*NOPERM/s);
    assert.match(await cli('app', 'app-pw', 'CONFIG', 'GET', 'requirepass'), /refused: .*NOPERM/s);
    assert.match(await cli('app', 'app-pw', 'ACL', 'LIST'), /refused: .*NOPERM/s);
    assert.match(await cli('app', 'wrong', 'GET', 'app:1'), /refused: .*WRONGPASS/s);
    const client = await server.connect('app', 'app-pw');
    try {
      await assert.rejects(client.call('FUNCTION', 'FLUSH'), /NOPERM/);
      await assert.rejects(client.call('KEYS', '*'), /NOPERM/);
    } finally {
      client.disconnect();
    }
  },
);

test(
  'a user created without rules reads and writes every key but runs no admin command',
  { skip },
  async () => {
    await server.manager.createUser([{ name: 'plain', password: 'plain-pw' }]);
    assert.equal(await cli('plain', 'plain-pw', 'SET', 'any:1', 'v'), 'OK');
    assert.equal(await cli('plain', 'plain-pw', 'GET', 'app:1'), 'v');
    assert.match(await cli('plain', 'plain-pw', 'FLUSHDB'), /refused: .*NOPERM/s);
    assert.match(await cli('plain', 'plain-pw', 'SHUTDOWN'), /refused: .*NOPERM/s);
    await server.manager.deleteUser({ name: 'plain' });
  },
);

test(
  'passwords and rules go as separate ACL SETUSER arguments: a password cannot add rules',
  { skip },
  async () => {
    const password = `pw on ~* &* +@all nopass "' \\ >x\n`;
    await server.manager.createUser([{ name: 'tricky', password, rules: '~t:* +get +set' }]);
    const client = await server.connect('tricky', password);
    try {
      assert.equal(await client.set('t:1', 'v'), 'OK');
      await assert.rejects(client.get('app:1'), /NOPERM/);
      await assert.rejects(client.call('FLUSHALL'), /NOPERM/);
    } finally {
      client.disconnect();
    }
    assert.match(await cli('tricky', 'pw', 'PING'), /WRONGPASS/);
    await server.manager.deleteUser({ name: 'tricky' });
  },
);

test(
  'rules that would grant admin commands, and reserved names, are refused before any change',
  { skip },
  async () => {
    for (const rules of [
      '~* +@all',
      '~* +config',
      '~* +acl|setuser',
      '~* on >pw',
      '~* allcommands',
    ])
      await assert.rejects(
        server.manager.createUser([{ name: 'greedy', password: 'pw', rules }]),
        code('CELLAR_BAD_REQUEST'),
        rules,
      );
    for (const name of ['default', 'os_admin', 'os_backup', 'a b', 'x"y'])
      await assert.rejects(
        server.manager.createUser([{ name, password: 'pw' }]),
        code('CELLAR_BAD_REQUEST'),
        name,
      );
    assert.equal(await server.manager.getUser({ name: 'greedy' }), undefined);
  },
);

test(
  'users list without root, os_admin and os_backup, with their rules; hidden users never show or change',
  { skip },
  async () => {
    const { items } = await server.manager.listUsers({});
    assert.deepEqual(
      items.map((u) => u.name),
      ['app'],
    );
    assert.match(items[0]?.rules ?? '', /~app:\*/);
    assert.doesNotMatch(items[0]?.rules ?? '', /#|app-pw/);
    assert.equal(await server.manager.getUser({ name: 'default' }), undefined);
    assert.equal(await server.manager.getUser({ name: 'os_admin' }), undefined);
    await assert.rejects(server.manager.deleteUser({ name: 'os_admin' }), code('CELLAR_NOT_FOUND'));
    assert.equal(await server.manager.getUser({ name: 'os_backup' }), undefined);
    for (const change of [
      server.manager.deleteUser({ name: 'os_backup' }),
      server.manager.changePasswords([{ name: 'os_backup', password: 'x' }]),
      server.manager.updateAttributes({ name: 'os_backup' }, { rules: '~* +@read' }),
    ])
      await assert.rejects(change, code('CELLAR_NOT_FOUND'));
    await assert.rejects(
      server.manager.changePasswords([{ name: 'default', password: 'x' }]),
      code('CELLAR_NOT_FOUND'),
    );
    await assert.rejects(
      server.manager.createUser([{ name: 'app', password: 'p' }]),
      code('CELLAR_ALREADY_EXISTS'),
    );
  },
);

test(
  'a changed password works and the old one does not; new rules replace the old; a rename keeps the password',
  { skip },
  async () => {
    await server.manager.createUser([{ name: 'mover', password: 'old-pw', rules: '~m:* +get' }]);
    await server.manager.changePasswords([{ name: 'mover', password: 'new-pw' }]);
    assert.match(await cli('mover', 'old-pw', 'GET', 'm:1'), /WRONGPASS/);
    assert.equal(await cli('mover', 'new-pw', 'GET', 'm:1'), '');
    await server.manager.updateAttributes({ name: 'mover' }, { rules: '~n:* +set' });
    assert.equal(await cli('mover', 'new-pw', 'SET', 'n:1', 'v'), 'OK');
    assert.match(await cli('mover', 'new-pw', 'GET', 'm:1'), /NOPERM/);
    await server.manager.updateAttributes({ name: 'mover' }, { name: 'moved' });
    assert.equal(await cli('moved', 'new-pw', 'SET', 'n:2', 'v'), 'OK');
    assert.match(await cli('mover', 'new-pw', 'SET', 'n:2', 'v'), /WRONGPASS/);
    await server.manager.deleteUser({ name: 'moved' });
    assert.match(await cli('moved', 'new-pw', 'PING'), /WRONGPASS/);
    await assert.rejects(server.manager.deleteUser({ name: 'moved' }), code('CELLAR_NOT_FOUND'));
  },
);

test(
  'root is the default user: enabling returns its password, disabling ends its sessions',
  { skip },
  async () => {
    assert.equal(await server.manager.isRootEnabled(), false);
    // An empty password would let anyone in as the default user.
    await assert.rejects(server.manager.enableRootWithPassword(''), code('CELLAR_BAD_REQUEST'));
    assert.equal(await server.manager.isRootEnabled(), false);
    const root = await server.manager.enableRoot();
    assert.equal(root.name, 'default');
    assert.equal(root.password?.length, 36);
    assert.equal(await server.manager.isRootEnabled(), true);
    // redis-cli -a: the password alone logs in as the default user, with every command.
    const { stdout } = await run(
      'redis-cli',
      ['-h', server.address, '-e', 'CONFIG', 'GET', 'maxmemory'],
      {
        env: { REDISCLI_AUTH: root.password ?? '', PATH: process.env['PATH'] ?? '' },
      },
    );
    assert.match(stdout, /maxmemory\n\d+/);
    const session = await server.connect('default', root.password ?? '');
    await server.manager.disableRoot();
    assert.equal(await server.manager.isRootEnabled(), false);
    await assert.rejects(session.ping());
    session.disconnect();
    assert.match(await cli('default', root.password ?? '', 'PING'), /WRONGPASS/);
    assert.equal(await cli('app', 'app-pw', 'GET', 'app:1'), 'v', 'ACL users go on');
  },
);
