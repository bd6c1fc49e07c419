// bench/provision's PostgreSQL entry: initdb with the guest's flags and postgres started directly
// (datastores/postgresql/src/data-directory.ts, postmaster.ts), the database and user made with
// the guest's statements, and the first `SELECT 1` as that user over TCP with node-postgres.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { poll, run, runAs, startServer, type ProvisionEntry } from './common.js';

const ROOT = '/usr/lib/postgresql';

/** The newest installed major's binaries directory, as the guest picks the default version. */
function binDir(): string {
  const majors = existsSync(ROOT)
    ? readdirSync(ROOT).filter((m) => existsSync(join(ROOT, m, 'bin', 'postgres')))
    : [];
  const major = majors.sort((a, b) => Number(b) - Number(a))[0] ?? '15';
  return join(ROOT, major, 'bin');
}

/** Connects and runs `sql` in order on one connection; true when all of it went through. */
async function connects(config: pg.ClientConfig, ...sql: readonly string[]): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    for (const statement of sql) await client.query(statement);
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresql: ProvisionEntry = {
  datastore: 'postgresql',
  title: 'PostgreSQL',
  binaries: () => [
    { path: join(binDir(), 'initdb'), debianPackage: 'postgresql' },
    { path: join(binDir(), 'postgres'), debianPackage: 'postgresql' },
  ],
  port: 5432,
  target: { kind: 'half' },
  request: (login, password) => ({
    databases: [{ name: 'app' }],
    users: [{ name: login, password, databases: [{ name: 'app' }] }],
  }),
  bare: async ({ dir, port, user, login, password }) => {
    const as = runAs(user);
    const data = join(dir, 'data');
    await run(
      join(binDir(), 'initdb'),
      [
        '-D',
        data,
        '--username=os_admin',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C.UTF-8',
      ],
      as,
    );
    const server = startServer(
      join(binDir(), 'postgres'),
      ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
      as,
      'SIGINT',
    );
    const admin = { host: dir, port, user: 'os_admin' };
    await poll(
      'bare postgres',
      () => connects({ ...admin, database: 'postgres' }),
      server.child,
      10,
    );
    await connects(
      { ...admin, database: 'postgres' },
      `CREATE ROLE "${login}" LOGIN PASSWORD '${password}'`,
      'CREATE DATABASE app',
      'REVOKE CONNECT, TEMPORARY ON DATABASE app FROM PUBLIC',
      `GRANT ALL PRIVILEGES ON DATABASE app TO "${login}"`,
    );
    await connects({ ...admin, database: 'app' }, `GRANT ALL ON SCHEMA public TO "${login}"`);
    return server;
  },
  firstQuery: (host, port, login, password) =>
    poll(`PostgreSQL at ${host}:${port}`, () =>
      connects({ host, port, user: login, password, database: 'app' }, 'SELECT 1'),
    ),
};
