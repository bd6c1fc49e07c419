// MariaDB replication through the API on real instances of the local compute driver: a replica
// made without a flavor follows its source over GTID, refuses its users' writes, and a planned
// switchover promotes it while the old source follows it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import { deleteInOrder, replicasOf, switchover } from './support/replication.js';
import { waitFor } from './support/wait-for.js';

const skip: string | false = !existsSync('/usr/sbin/mariadbd')
  ? "MariaDB is not installed (Debian's mariadb-server); scripts/test installs it"
  : noPostgresql;
const local = localCellarOfFile(skip, ['DEFAULT.backup_storage=local', 'mysql.usage_timeout=120']);
const PASSWORD = 'app-Secret-1';

/** The mariadb client as the instance's user, at its address; the password through MYSQL_PWD. */
async function sql(address: string, text: string): Promise<string> {
  const args = ['-h', address, '-P', '3306', '-u', 'app', '-N', '-B', '-e', text, 'appdb'];
  const { stdout } = await promisify(execFile)('mariadb', args, {
    env: { ...process.env, MYSQL_PWD: PASSWORD },
    timeout: 20_000,
  });
  return stdout.trim();
}

const rowsOn = (address: string): Promise<number | undefined> =>
  sql(address, 'SELECT count(*) FROM items').then(Number, () => undefined);

const untilRows = (address: string, count: number): Promise<true> =>
  waitFor(async () => (await rowsOn(address)) === count, {
    what: `${count} rows on ${address}`,
    timeout: 30_000,
    interval: 200,
  });

test(
  'a MariaDB replica made without a flavor follows its source, and a switchover promotes it',
  { skip },
  async () => {
    const versions = (await local.api('GET', '/datastores/mysql/versions')).json;
    const version = String(((versions['versions'] as Json[])[0] as Json)['name']);
    const source = await activeInstance(local, {
      name: 'maria-source',
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'mysql', version },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
    });
    await sql(source.address, 'CREATE TABLE items (id int PRIMARY KEY)');
    await sql(source.address, 'INSERT INTO items VALUES (1),(2),(3),(4),(5)');

    const [replica] = await replicasOf(local, source.id, 'maria-replica');
    assert.ok(replica);
    assert.equal((replica.view['flavor'] as Json)['id'], '2', "the source's flavor");
    assert.equal((replica.view['replica_of'] as Json)['id'], source.id);
    await untilRows(replica.address, 5);
    await sql(source.address, 'INSERT INTO items VALUES (6),(7)');
    await untilRows(replica.address, 7);
    await assert.rejects(sql(replica.address, 'INSERT INTO items VALUES (99)'), /read-only/);

    await switchover(local, replica.id, source.id);
    await sql(replica.address, 'INSERT INTO items VALUES (8),(9)');
    await untilRows(source.address, 9);
    await assert.rejects(sql(source.address, 'INSERT INTO items VALUES (98)'), /read-only/);
    await deleteInOrder(local, [source.id, replica.id]);
  },
);
