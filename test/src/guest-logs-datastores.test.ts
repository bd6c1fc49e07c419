// Guest logs of real MariaDB and Redis instances on the local compute driver, published to the
// local backup storage and read back through the API: MariaDB's slow query and general logs are
// switched without a restart, stay switched across one, and keep passwords out; Redis' own log and
// its slow log, which Redis keeps in memory.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { guestLogClient } from './support/guest-logs.js';
import { deleteWithoutTrace, localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const exec = promisify(execFile);
const noMariadb = !existsSync('/usr/sbin/mariadbd')
  ? "MariaDB is not installed (Debian's mariadb-server); scripts/test installs it"
  : noPostgresql;
const noRedis = !existsSync('/usr/bin/redis-server')
  ? 'Redis is not installed (Debian packages redis-server and redis-tools)'
  : noPostgresql;
const storage = await mkdtemp(join(tmpdir(), 'cellar-logs-'));
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
  'mysql.usage_timeout=120',
]);
const { act, read, publishedWith } = guestLogClient(local);
const PASSWORD = 'app-Secret-1';
const mark = (): string => `probe-${randomBytes(4).toString('hex')}`;

async function mariadb(address: string, sql: string): Promise<string> {
  const { stdout } = await exec(
    'mariadb',
    ['-h', address, '-P', '3306', '-u', 'app', '-N', '-B', '-e', sql, 'appdb'],
    { env: { ...process.env, MYSQL_PWD: PASSWORD }, timeout: 20_000 },
  );
  return stdout.trim();
}

async function version(type: string): Promise<string> {
  const versions = (await local.api('GET', `/datastores/${type}/versions`)).json;
  return String(((versions['versions'] as Json[])[0] as Json)['name']);
}

test(
  'MariaDB: a slow query appears in the published slow query log; the general log survives a restart without passwords',
  { skip: noMariadb },
  async () => {
    const { id, address } = await activeInstance(local, {
      name: 'mariadb-logs',
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'mysql', version: await version('mysql') },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
    });
    const listed = (await local.api('GET', `/instances/${id}/log`)).json['logs'] as Json[];
    assert.deepEqual(
      listed.map((l) => [l['name'], l['type'], l['status']]),
      [
        ['error', 'SYS', 'Ready'],
        ['general', 'USER', 'Disabled'],
        ['slow_query', 'USER', 'Disabled'],
        ['guest', 'SYS', 'Ready'],
      ],
    );

    await act(id, { name: 'slow_query', enable: 1 });
    const slow = mark();
    await mariadb(address, `SELECT SLEEP(1.1), '${slow}'`);
    await mariadb(address, `SELECT 'fast-${slow}'`);
    const slowText = await publishedWith(id, 'slow_query', slow);
    assert.match(slowText, /# Query_time: 1\.\d+/);
    assert.ok(!slowText.includes(`fast-${slow}`), 'a fast statement reached the slow query log');

    await act(id, { name: 'general', enable: 1 });
    const secret = `Secret-${randomBytes(6).toString('hex')}`;
    const user = await local.api('POST', `/instances/${id}/users`, {
      users: [{ name: 'second', password: secret }],
    });
    assert.equal(user.status, 202, JSON.stringify(user.json));
    const general = mark();
    await mariadb(address, `SELECT '${general}'`);
    assert.ok(!(await publishedWith(id, 'general', general)).includes(secret));

    // Restarted, the server reads the setting from its option file: the general log is still on.
    const restart = await local.api('POST', `/instances/${id}/action`, { restart: {} });
    assert.equal(restart.status, 202, JSON.stringify(restart.json));
    await local.session.untilInstance(id, settled, 'ACTIVE', 120, 250);
    const afterRestart = mark();
    await mariadb(address, `SELECT '${afterRestart}'`);
    await publishedWith(id, 'general', afterRestart);

    assert.equal((await act(id, { name: 'general', disable: 1 }))['status'], 'Disabled');
    const unlogged = mark();
    await mariadb(address, `SELECT '${unlogged}'`);
    await act(id, { name: 'general', publish: 0 });
    assert.ok(!(await read(id, 'general')).text.includes(unlogged));
    await deleteWithoutTrace(local, id);
  },
);

/** One big SADD as the app user, straight over RESP: Redis takes far over its 10 ms slow log threshold. */
async function slowSadd(address: string, key: string): Promise<void> {
  const resp = (words: readonly string[]): string =>
    `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
  const members = Array.from({ length: 100_000 }, (_, i) => `m${i}`);
  const socket = connect(6379, address);
  const replies: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => replies.push(chunk));
  socket.write(resp(['AUTH', 'app', PASSWORD]) + resp(['SADD', key, ...members]) + resp(['QUIT']));
  await once(socket, 'close');
  assert.match(Buffer.concat(replies).toString(), /^\+OK\r\n:100000\r\n\+OK/);
}

test(
  'Redis: its server log and its slow log are published and read back',
  { skip: noRedis },
  async () => {
    const { id, address } = await activeInstance(local, {
      name: 'redis-logs',
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'redis', version: await version('redis') },
      users: [{ name: 'app', password: PASSWORD }],
    });
    const listed = (await local.api('GET', `/instances/${id}/log`)).json['logs'] as Json[];
    assert.deepEqual(
      listed.map((l) => [l['name'], l['type'], l['status']]),
      [
        ['error', 'SYS', 'Ready'],
        ['slow_query', 'USER', 'Disabled'],
        ['guest', 'SYS', 'Ready'],
      ],
    );
    assert.match(await publishedWith(id, 'error', 'Ready to accept connections'), /Redis/);

    await act(id, { name: 'slow_query', enable: 1 });
    const key = mark();
    await slowSadd(address, key);
    const slowText = await publishedWith(id, 'slow_query', key);
    assert.match(slowText, new RegExp(`\\d+ us \\S+ "SADD" "${key}" "m0"`));
    assert.ok(!slowText.includes(PASSWORD), 'the password reached the slow log');
    await deleteWithoutTrace(local, id);
  },
);
