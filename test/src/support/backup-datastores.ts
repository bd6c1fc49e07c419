// The datastores the backup tests run, each as its user meets it: how to create an instance with
// an account, write numbered rows (keys) with the datastore's own client, and read them back.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { noPostgresql, psql } from './local-postgresql.js';

const exec = promisify(execFile);
const PASSWORD = 'app-Secret-1';

export interface BackupDatastore {
  readonly type: 'postgresql' | 'mysql' | 'redis';
  /** Why it cannot run here, or false. */
  readonly skip: string | false;
  /** Whether its strategy takes incrementals. */
  readonly incremental: boolean;
  /** What the source instance's create carries beyond name, flavor and datastore. */
  readonly create: Readonly<Record<string, unknown>>;
  /** What a restore's create carries: the accounts the restored data does not hold. */
  readonly restore: Readonly<Record<string, unknown>>;
  /** Writes rows (keys) numbered from..to, inclusive. */
  write(address: string, from: number, to: number): Promise<void>;
  /** The row numbers the instance holds, ascending. */
  read(address: string): Promise<number[]>;
}

const ids = (out: string): number[] =>
  out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(Number)
    .sort((a, b) => a - b);

async function checked(what: string, run: Promise<{ ok: boolean; out: string }>): Promise<string> {
  const { ok, out } = await run;
  if (!ok) throw new Error(`${what}: ${out}`);
  return out;
}

const postgresql: BackupDatastore = {
  type: 'postgresql',
  skip: noPostgresql,
  incremental: true,
  create: {
    databases: [{ name: 'appdb' }],
    users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
  },
  restore: {},
  async write(address, from, to) {
    const sql = `CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(${from}, ${to})`;
    await checked('psql', psql(address, 'app', PASSWORD, 'appdb', sql));
  },
  async read(address) {
    return ids(
      await checked('psql', psql(address, 'app', PASSWORD, 'appdb', 'SELECT id FROM items')),
    );
  },
};

async function mariadb(address: string, sql: string): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await exec(
      'mariadb',
      ['-h', address, '-P', '3306', '-u', 'app', '-N', '-B', '-e', sql, 'appdb'],
      { env: { ...process.env, MYSQL_PWD: PASSWORD }, timeout: 20_000 },
    );
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}

const mysql: BackupDatastore = {
  type: 'mysql',
  skip: !existsSync('/usr/sbin/mariadbd')
    ? "MariaDB is not installed (Debian's mariadb-server); scripts/test installs it"
    : !existsSync('/usr/bin/mariabackup')
      ? "mariabackup is not installed (Debian's mariadb-backup); scripts/test installs it"
      : false,
  incremental: true,
  create: postgresql.create,
  restore: {},
  async write(address, from, to) {
    const sql = `CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY) ENGINE=InnoDB; INSERT INTO items SELECT seq FROM seq_${from}_to_${to}`;
    await checked('mariadb', mariadb(address, sql));
  },
  async read(address) {
    return ids(await checked('mariadb', mariadb(address, 'SELECT id FROM items')));
  },
};

async function redisCli(address: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await exec('redis-cli', ['-h', address, '--user', 'app', '-e', ...args], {
      env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: PASSWORD },
      timeout: 20_000,
    });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

const redis: BackupDatastore = {
  type: 'redis',
  skip: !existsSync('/usr/bin/redis-server')
    ? 'Redis is not installed (Debian packages redis-server and redis-tools)'
    : false,
  incremental: false,
  create: { users: [{ name: 'app', password: PASSWORD }] },
  // The RDB carries data only: the restored instance's accounts are its own.
  restore: { users: [{ name: 'app', password: PASSWORD }] },
  async write(address, from, to) {
    const args = ['MSET'];
    for (let i = from; i <= to; i++) args.push(`item:${i}`, '1');
    await checked('redis-cli', redisCli(address, ...args));
  },
  async read(address) {
    const out = await checked('redis-cli', redisCli(address, '--scan', '--pattern', 'item:*'));
    return ids(out.replaceAll('item:', ''));
  },
};

export const backupDatastores: readonly BackupDatastore[] = [postgresql, mysql, redis];
