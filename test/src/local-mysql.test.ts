// One real MariaDB instance on the local compute driver, as a user meets it: created through the
// API with a database and a user, reached with the mariadb client at its own address, its
// databases, users and grants managed through the API, root enabled, and deleted without a trace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { deleteWithoutTrace, localCellarOfFile, settled as ready } from './support/local-cellar.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const skip: string | false = !existsSync('/usr/sbin/mariadbd')
  ? "MariaDB is not installed (Debian's mariadb-server); scripts/test installs it"
  : !existsSync('/usr/lib/postgresql')
    ? 'the local Cellar these tests start needs PostgreSQL for its own checks'
    : false;
const local = localCellarOfFile(skip, ['mysql.usage_timeout=120']);

const { api } = local;
const file = (id: string, ...path: string[]): string => join(local.state, 'instances', id, ...path);

/** The mariadb client against the instance's address; the password through MYSQL_PWD, not argv. */
async function mariadb(
  address: string,
  user: string,
  password: string,
  sql: string,
  database = '',
): Promise<{ ok: boolean; out: string }> {
  const args = ['-h', address, '-P', '3306', '-u', user, '-N', '-B', '-e', sql];
  if (database !== '') args.push(database);
  try {
    const { stdout } = await exec('mariadb', args, {
      env: { ...process.env, MYSQL_PWD: password },
      timeout: 20_000,
    });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}

let one: { id: string; address: string } | undefined;
const made = (): { id: string; address: string } => {
  assert.ok(one, 'the first test made no instance');
  return one;
};

test(
  'a MariaDB instance through the API is ACTIVE at its own address and its user reaches it with mariadb',
  { skip },
  async () => {
    const versions = (await api('GET', '/datastores/mysql/versions')).json['versions'] as Json[];
    const version = String(versions[0]?.['name']);
    assert.match(version, /^\d+\.\d+$/);
    const created = await api('POST', '/instances', {
      instance: {
        name: 'maria-one',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'mysql', version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, ready, 'ACTIVE', 120, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
    assert.ok(address.startsWith(local.addressPrefix), `${address} is in the deployment's pool`);
    one = { id, address };
    assert.match(
      await readFile(file(id, 'log', 'guest.log'), 'utf8'),
      /initialised ahead by the standby agent is used/,
    );
    const filled = await mariadb(
      address,
      'app',
      'app-Secret-1',
      "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'one'), (2, 'two'); SELECT COUNT(*) FROM notes",
      'appdb',
    );
    assert.deepEqual(filled, { ok: true, out: '2' });
    assert.equal((await mariadb(address, 'app', 'wrong', 'SELECT 1')).ok, false);
  },
);

test(
  'databases and users listed through the API show no system ones; grant and revoke reach the server',
  { skip },
  async () => {
    const { id, address } = made();
    const databases = await api('GET', `/instances/${id}/databases`);
    assert.deepEqual(databases.json, { databases: [{ name: 'appdb' }] });
    assert.equal(
      (await api('POST', `/instances/${id}/databases`, { databases: [{ name: 'more' }] })).status,
      202,
    );
    const users = await api('GET', `/instances/${id}/users`);
    assert.deepEqual(users.json, {
      users: [{ name: 'app', host: '%', databases: [{ name: 'appdb' }] }],
    });
    const grant = await api('PUT', `/instances/${id}/users/app/databases`, {
      databases: [{ name: 'more' }],
    });
    assert.equal(grant.status, 202);
    assert.equal(
      (await mariadb(address, 'app', 'app-Secret-1', 'CREATE TABLE t (i INT)', 'more')).ok,
      true,
    );
    assert.equal((await api('DELETE', `/instances/${id}/users/app/databases/more`)).status, 202);
    const denied = await mariadb(address, 'app', 'app-Secret-1', 'SELECT 1', 'more');
    assert.equal(denied.ok, false);
    assert.match(denied.out, /denied/);
  },
);

test('root enabled through the API logs in with mariadb as root@%', { skip }, async () => {
  const { id, address } = made();
  const root = await api('POST', `/instances/${id}/root`);
  assert.equal(root.status, 200);
  const user = root.json['user'] as Json;
  assert.equal(user['name'], 'root');
  assert.deepEqual(
    await mariadb(address, 'root', String(user['password']), 'SELECT CURRENT_USER()'),
    {
      ok: true,
      out: 'root@%',
    },
  );
  assert.deepEqual((await api('GET', `/instances/${id}/root`)).json, { rootEnabled: true });
});

test(
  'a restart through the API starts MariaDB again, and the data is still there',
  { skip },
  async () => {
    const { id, address } = made();
    const serverPid = (): Promise<string> =>
      readFile(file(id, 'run', 'mysqld.pid'), 'utf8').then(
        (text) => text.trim(),
        () => '',
      );
    const before = await serverPid();
    assert.match(before, /^\d+$/);
    assert.equal((await api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
    await waitFor(
      async () => {
        const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
        const now = await serverPid();
        return shown['status'] === 'ACTIVE' && ready(shown) && now !== '' && now !== before;
      },
      {
        timeout: 90_000,
        what: 'the instance to be ACTIVE with another server process',
        interval: 200,
      },
    );
    assert.deepEqual(
      await mariadb(
        address,
        'app',
        'app-Secret-1',
        'SELECT GROUP_CONCAT(body ORDER BY id) FROM notes',
        'appdb',
      ),
      { ok: true, out: 'one,two' },
    );
  },
);

test('a delete leaves no process, directory or OS user', { skip }, async () => {
  await deleteWithoutTrace(local, made().id);
});
