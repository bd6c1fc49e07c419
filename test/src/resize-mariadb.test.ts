// Resizing a real MariaDB instance on the local compute driver: its volume grows with its rows
// kept, and a larger flavor's RAM shows in innodb_buffer_pool_size, as its user sees them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Json } from '@cellar/server/testing';
import { deleteWithoutTrace, localCellarOfFile, settled } from './support/local-cellar.js';

const exec = promisify(execFile);
const skip: string | false = !existsSync('/usr/sbin/mariadbd')
  ? "MariaDB is not installed (Debian's mariadb-server); scripts/test installs it"
  : !existsSync('/usr/lib/postgresql')
    ? 'the local Cellar these tests start needs PostgreSQL for its own checks'
    : process.getuid?.() !== 0
      ? 'volume sizes are enforced with loop-mounted filesystem images only when Cellar runs as root'
      : false;
const local = localCellarOfFile(skip, ['mysql.usage_timeout=120']);
const { api } = local;

/** The mariadb client as the instance's user, at its address; the password through MYSQL_PWD. */
async function asApp(address: string, sql: string): Promise<string> {
  const args = ['-h', address, '-P', '3306', '-u', 'app', '-N', '-B', '-e', sql, 'appdb'];
  const { stdout } = await exec('mariadb', args, {
    env: { ...process.env, MYSQL_PWD: 'app-Secret-1' },
    timeout: 20_000,
  });
  return stdout.trim();
}

/** The filesystem's size in MB under the instance's volume. */
async function volumeMb(id: string): Promise<number> {
  const dir = join(local.state, 'instances', id, 'volume');
  const { stdout } = await exec('df', ['-B1M', '--output=size', dir]);
  return Number(stdout.split('\n')[1]);
}

test(
  'a MariaDB volume grows with its rows kept, and innodb_buffer_pool_size follows a larger flavor',
  { skip },
  async () => {
    const versions = (await api('GET', '/datastores/mysql/versions')).json['versions'] as Json[];
    const created = await api('POST', '/instances', {
      instance: {
        name: 'maria-resize',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'mysql', version: String(versions[0]?.['name']) },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, settled, 'ACTIVE', 120, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[])[0] ?? '';
    await asApp(
      address,
      "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'kept')",
    );
    assert.ok((await volumeMb(id)) < 1100, 'a filesystem of 1 GB');

    const grow = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 2 } } });
    assert.equal(grow.status, 202, JSON.stringify(grow.json));
    const grown = await local.session.untilInstance(
      id,
      (i) => settled(i) && (i['volume'] as Json)['size'] === 2,
      'the volume of 2 GB',
      120,
      200,
    );
    assert.equal(grown['status'], 'ACTIVE', JSON.stringify(grown['fault'] ?? grown));
    assert.ok((await volumeMb(id)) > 1900, 'the filesystem has grown');
    assert.equal(await asApp(address, 'SELECT body FROM notes WHERE id = 1'), 'kept');

    const half = (mb: number): string => String(mb * 512 * 1024);
    assert.equal(await asApp(address, 'SELECT @@innodb_buffer_pool_size'), half(512));
    const flavor = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '2' } });
    assert.equal(flavor.status, 202, JSON.stringify(flavor.json));
    const resized = await local.session.untilInstance(
      id,
      (i) => settled(i) && (i['flavor'] as Json)['id'] === '2',
      'flavor 2',
      120,
      200,
    );
    assert.equal(resized['status'], 'ACTIVE', JSON.stringify(resized['fault'] ?? resized));
    assert.equal(await asApp(address, 'SELECT @@innodb_buffer_pool_size'), half(2048));
    assert.equal(await asApp(address, 'SELECT body FROM notes WHERE id = 1'), 'kept');
    await deleteWithoutTrace(local, id);
  },
);
