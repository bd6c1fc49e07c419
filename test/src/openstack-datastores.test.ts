// MariaDB and Redis instances as a user meets them through Debian's openstack client, with the
// clouds.yaml Cellar wrote: created, reached with mariadb and redis-cli at their own addresses,
// their users and grants managed with `openstack database …`, and deleted without a trace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { startLocalCellar, type LocalCellar } from './support/local-cellar.js';
import { noPostgresql, processesNaming } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const onPath = (name: string): boolean =>
  (process.env['PATH'] ?? '').split(':').some((dir) => existsSync(join(dir, name)));
const noClient: string | false = onPath('openstack')
  ? false
  : "Debian's openstack client is not installed (python3-openstackclient, python3-troveclient)";
const noMariadb: string | false =
  noPostgresql ||
  noClient ||
  (existsSync('/usr/sbin/mariadbd') && onPath('mariadb')
    ? false
    : "MariaDB is not installed (Debian's mariadb-server and mariadb-client)");
const noRedis: string | false =
  noPostgresql ||
  noClient ||
  (existsSync('/usr/bin/redis-server') && onPath('redis-cli')
    ? false
    : 'Redis is not installed (Debian packages redis-server and redis-tools)');
let local: LocalCellar;

before(async () => {
  if (!noMariadb || !noRedis) local = await startLocalCellar(['mysql.usage_timeout=120']);
});
after(async () => {
  await (local as LocalCellar | undefined)?.close();
});

interface Ran {
  readonly ok: boolean;
  readonly out: string;
}

/** A command as a user types it; its output, whether it exited 0 or not. */
async function sh(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  try {
    const { stdout } = await exec(file, args, { env, timeout: 60_000 });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

/** `openstack --os-cloud cellar …` with the clouds.yaml Cellar wrote. */
function openstack(...args: string[]): Promise<Ran> {
  return sh('openstack', ['--os-cloud', 'cellar', ...args], {
    PATH: process.env['PATH'] ?? '',
    HOME: local.state,
    OS_CLIENT_CONFIG_FILE: join(local.state, 'clouds.yaml'),
  });
}

/** The same, with `-f json`, parsed; a failed command fails the test with its output. */
async function os<T = Json>(...args: string[]): Promise<T> {
  const ran = await openstack(...args, '-f', 'json');
  assert.ok(ran.ok, `openstack ${args.join(' ')}: ${ran.out}`);
  return (ran.out === '' ? {} : JSON.parse(ran.out)) as T;
}

/** The first version `openstack datastore version list` (troveclient's, no `database`) shows. */
async function versionOf(datastore: string): Promise<string> {
  const listed = await os<Json[]>('datastore', 'version', 'list', datastore);
  const name = listed[0]?.['Name'];
  assert.equal(typeof name, 'string', JSON.stringify(listed));
  return String(name);
}

/** `database instance create`, then `instance show` until ACTIVE; the id and the address. */
async function createActive(...args: string[]): Promise<{ id: string; address: string }> {
  const created = await os('database', 'instance', 'create', ...args);
  const id = String(created['id']);
  const shown = await waitFor(
    async () => {
      const answer = await os('database', 'instance', 'show', id);
      return ['ACTIVE', 'ERROR'].includes(String(answer['status'])) && answer;
    },
    { timeout: 120_000, what: '`openstack database instance show` to say ACTIVE', interval: 500 },
  );
  assert.equal(shown['status'], 'ACTIVE', JSON.stringify(shown));
  const address =
    /127\.\d+\.\d+\.\d+/.exec(JSON.stringify(shown['addresses'] ?? shown['ip']))?.[0] ?? '';
  assert.ok(address.startsWith(local.addressPrefix), `${address} is in the deployment's pool`);
  return { id, address };
}

/**
 * `database instance delete`, then nothing of the instance left: process, directory, OS user.
 * `serverFile` (under the instance's directory) names its server in ps: found before the delete,
 * so that the check after it can see a server left behind.
 */
async function deleteLeavingNothing(id: string, serverFile?: string): Promise<void> {
  const dir = join(local.state, 'instances', id);
  const { user } = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as {
    user?: { name: string };
  };
  if (serverFile !== undefined) {
    const servers = await processesNaming(join(dir, serverFile));
    assert.equal(servers.length, 1, `one server names ${serverFile} in ps: ${servers.join('; ')}`);
  }
  const deleted = await openstack('database', 'instance', 'delete', id);
  assert.ok(deleted.ok, deleted.out);
  await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 90, 200);
  assert.deepEqual(await processesNaming(id), []);
  assert.equal(existsSync(dir), false, `${dir} is still there`);
  if (user) {
    const found = await exec('id', [user.name]).then(
      () => true,
      () => false,
    );
    assert.equal(found, false, `OS user ${user.name} is still there`);
  }
}

/** `mariadb -h <address> -u <user>`, the password in MYSQL_PWD: never on a command line. */
function mariadb(
  address: string,
  user: string,
  password: string,
  sql: string,
  db = '',
): Promise<Ran> {
  const args = ['-h', address, '-u', user, '-N', '-B', '-e', sql];
  return sh('mariadb', db === '' ? args : [...args, db], {
    PATH: process.env['PATH'] ?? '',
    MYSQL_PWD: password,
  });
}

/** `redis-cli -h <address> --user <u>`, the password in REDISCLI_AUTH; -e makes a refusal fail. */
function redisCli(address: string, user: string, password: string, ...command: string[]) {
  const args = ['-h', address, '--user', user, '-e'];
  return sh('redis-cli', [...args, ...command], {
    PATH: process.env['PATH'] ?? '',
    REDISCLI_AUTH: password,
  });
}

const names = (rows: Json[]): string[] => rows.map((r) => String(r['Name'])).sort();

describe('MariaDB through openstack database', { skip: noMariadb }, () => {
  let one: { id: string; address: string } | undefined;
  const made = (): { id: string; address: string } => {
    assert.ok(one, 'the first test made no instance');
    return one;
  };

  test('an instance created with a database and a user is reached with mariadb as that user', async () => {
    const version = await versionOf('mysql');
    one = await createActive(
      ...'osc-maria --flavor 2 --size 1 --datastore mysql --datastore-version'.split(' '),
      version,
      ...['--databases', 'appdb', '--users', 'app:app-Secret-1'],
    );
    const filled = await mariadb(
      one.address,
      'app',
      'app-Secret-1',
      "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'one'); SELECT body FROM notes",
      'appdb',
    );
    assert.deepEqual(filled, { ok: true, out: 'one' });
  });

  test('db list and user list show no system schema or account', async () => {
    const { id } = made();
    assert.deepEqual(names(await os<Json[]>('database', 'db', 'list', id)), ['appdb']);
    const users = await os<Json[]>('database', 'user', 'list', id);
    assert.deepEqual(names(users), ['app']);
    assert.equal(users[0]?.['Host'], '%');
  });

  test('grant access and revoke access are obeyed by the server', async () => {
    const { id, address } = made();
    assert.ok((await openstack('database', 'db', 'create', id, 'more')).ok);
    const ungranted = await mariadb(
      address,
      'app',
      'app-Secret-1',
      'CREATE TABLE t (i INT)',
      'more',
    );
    assert.equal(ungranted.ok, false, 'no access before the grant');
    assert.match(ungranted.out, /denied/);
    const granted = await openstack('database', 'user', 'grant', 'access', id, 'app', 'more');
    assert.ok(granted.ok, granted.out);
    const access = await os<Json[]>('database', 'user', 'show', 'access', id, 'app');
    assert.deepEqual(names(access), ['appdb', 'more']);
    assert.deepEqual(
      await mariadb(address, 'app', 'app-Secret-1', 'CREATE TABLE t (i INT); SELECT 1', 'more'),
      { ok: true, out: '1' },
    );
    const revoked = await openstack('database', 'user', 'revoke', 'access', id, 'app', 'more');
    assert.ok(revoked.ok, revoked.out);
    const gone = await mariadb(address, 'app', 'app-Secret-1', 'SELECT * FROM t', 'more');
    assert.equal(gone.ok, false, 'no access after the revoke');
    assert.match(gone.out, /denied/);
  });

  test('root enable gives a password mariadb logs in with as root@%', async () => {
    const { id, address } = made();
    const root = await os('database', 'root', 'enable', id);
    assert.equal(root['name'], 'root');
    assert.deepEqual(
      await mariadb(address, 'root', String(root['password']), 'SELECT CURRENT_USER()'),
      { ok: true, out: 'root@%' },
    );
    assert.deepEqual(names(await os<Json[]>('database', 'user', 'list', id)), ['app']);
  });

  test('instance delete leaves no process, directory or OS user', async () => {
    await deleteLeavingNothing(made().id);
  });
});

describe('Redis through openstack database', { skip: noRedis }, () => {
  let one: { id: string; address: string } | undefined;
  const made = (): { id: string; address: string } => {
    assert.ok(one, 'the first test made no instance');
    return one;
  };

  test('an instance created with a user is reached with redis-cli, which sets and gets a key', async () => {
    const version = await versionOf('redis');
    one = await createActive(
      ...'osc-redis --flavor 2 --size 1 --datastore redis --datastore-version'.split(' '),
      version,
      ...['--users', 'app:app-Secret-1'],
    );
    const { address } = one;
    assert.deepEqual(await redisCli(address, 'app', 'app-Secret-1', 'SET', 'greeting', 'hi'), {
      ok: true,
      out: 'OK',
    });
    assert.deepEqual(await redisCli(address, 'app', 'app-Secret-1', 'GET', 'greeting'), {
      ok: true,
      out: 'hi',
    });
    assert.equal((await redisCli(address, 'app', 'wrong', 'PING')).ok, false);
  });

  test('an ACL user created through the API can do what its rules allow and nothing else', async () => {
    const { id, address } = made();
    const created = await local.session.call('POST', `/instances/${id}/users`, {
      users: [{ name: 'scoped', password: 'scoped-Pw-1', rules: '~app:* +@read +@write' }],
    });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    assert.deepEqual(names(await os<Json[]>('database', 'user', 'list', id)), ['app', 'scoped']);
    const as = (...command: string[]) => redisCli(address, 'scoped', 'scoped-Pw-1', ...command);
    assert.deepEqual(await as('SET', 'app:one', '1'), { ok: true, out: 'OK' });
    assert.deepEqual(await as('GET', 'app:one'), { ok: true, out: '1' });
    for (const refused of [
      ['GET', 'greeting'],
      ['SET', 'other', '1'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['FLUSHALL'],
      ['ACL', 'LIST'],
    ]) {
      const ran = await as(...refused);
      assert.equal(ran.ok, false, `${refused.join(' ')} is refused`);
      assert.match(ran.out, /NOPERM/, refused.join(' '));
    }
    const kept = await redisCli(address, 'app', 'app-Secret-1', 'GET', 'greeting');
    assert.deepEqual(kept, { ok: true, out: 'hi' }, 'FLUSHALL was refused, so the key is kept');
  });

  test('db list answers 501 naming redis, which the client shows', async () => {
    const listed = await openstack('database', 'db', 'list', made().id);
    assert.equal(listed.ok, false, listed.out);
    assert.match(listed.out, /501/);
    assert.match(listed.out, /redis/i);
  });

  test('instance delete leaves no process, directory or OS user', async () => {
    await deleteLeavingNothing(made().id, join('volume', 'redis.conf'));
  });
});
