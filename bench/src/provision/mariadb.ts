// bench/provision's MariaDB entry: mariadb-install-db and mariadbd with --no-defaults as an
// unprivileged user on loopback, the database and a `'user'@'%'` made over the unix socket as the
// guest makes them, and the first `SELECT 1` as that user over TCP with the `mariadb` client.

import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { poll, run, runAs, serverUserName, startServer, type ProvisionEntry } from './common.js';

const INSTALL_DB = '/usr/bin/mariadb-install-db';
const SERVER = '/usr/sbin/mariadbd';
const CLIENT = '/usr/bin/mariadb';

/** A `mariadb` client run; true when it exits 0. */
async function client(args: readonly string[], password?: string): Promise<boolean> {
  await run(CLIENT, ['--no-defaults', '--connect-timeout=2', ...args], {
    env: { PATH: '/usr/bin:/bin', ...(password === undefined ? {} : { MYSQL_PWD: password }) },
  });
  return true;
}

const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export const mariadb: ProvisionEntry = {
  datastore: 'mysql',
  title: 'MariaDB',
  binaries: () => [
    { path: INSTALL_DB, debianPackage: 'mariadb-server' },
    { path: SERVER, debianPackage: 'mariadb-server' },
    { path: CLIENT, debianPackage: 'mariadb-client' },
  ],
  port: 3306,
  target: { kind: 'half' },
  request: (login, password) => ({
    databases: [{ name: 'app' }],
    users: [{ name: login, password, databases: [{ name: 'app' }] }],
  }),
  bare: async ({ dir, port, user, login, password }) => {
    const as = runAs(user);
    const data = join(dir, 'data');
    const socket = join(dir, 'mysqld.sock');
    // Each instance's guest runs as an OS user of its own; the bare starts share one, and
    // concurrent mariadb-install-db runs of one user in one /tmp fail ("Unknown table
    // 'mysql.tmp_user_sys'", 4 of 10 here): a temporary directory each, as separate users have.
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    if (user) await chown(tmp, user.uid, user.gid);
    await run(
      INSTALL_DB,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--tmpdir=${tmp}`,
        '--auth-root-authentication-method=socket',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      as,
    );
    const server = startServer(
      SERVER,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--tmpdir=${tmp}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        `--log-error=${join(dir, 'error.log')}`,
      ],
      as,
    );
    // install-db gives root and the server's OS user unix-socket logins: this process is one.
    const admin = ['-S', socket, '-u', process.getuid?.() === 0 ? 'root' : serverUserName(user)];
    await poll('bare mariadbd', () => client([...admin, '-e', 'SELECT 1']), server.child, 10);
    const account = `${quote(login)}@'%'`;
    await client([
      ...admin,
      '-e',
      [
        'CREATE DATABASE app CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci',
        `CREATE USER ${account} IDENTIFIED BY ${quote(password)}`,
        `GRANT ALL PRIVILEGES ON app.* TO ${account}`,
      ].join('; '),
    ]);
    return server;
  },
  firstQuery: (host, port, login, password) =>
    poll(`MariaDB at ${host}:${port}`, () =>
      client(['-h', host, '-P', String(port), '-u', login, 'app', '-e', 'SELECT 1'], password),
    ),
};
