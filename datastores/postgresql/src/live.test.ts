// The guest manager against a real server, beyond the conformance kit: users log in over TCP with
// their passwords, pg_hba follows apply_access, and the server survives restarts of either side.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { isCellarError } from '@cellar/plugin-api';
import postgresql from './guest.js';
import { readPidFile } from './postmaster.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();
const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Logs in over TCP as a user with a password, runs sql, and answers the rows. */
async function asUser(
  server: LiveServer,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user,
    password,
    database,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Several statements answer one result each: the last one's rows are what the caller wants.
    const results: unknown = await client.query(sql);
    const last = (Array.isArray(results) ? results.at(-1) : results) as pg.QueryResult<
      Record<string, unknown>
    >;
    return last.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const code = (expected: string) => (error: unknown) =>
  isCellarError(error) && error.code === expected;
const postmasterPid = (server: LiveServer): number | undefined =>
  readPidFile(`${server.mountPoint}/data`)?.pid;

test(
  'the PostgreSQL guest manager against a real server',
  { skip: noPostgres ?? false },
  async (t) => {
    const server = await liveInstance();
    const { manager } = server;
    try {
      await t.test(
        'prepare creates the databases, users and root of the request, ready to log in',
        async (tt) => {
          const started = performance.now();
          await manager.prepare({
            memoryMb: 512,
            databases: [{ name: 'shop' }, { name: 'latin', characterSet: 'LATIN1', collate: 'C' }],
            users: [{ name: 'alice', password: 'alice-Secret-1', databases: [{ name: 'shop' }] }],
            rootPassword: 'root-Secret-1',
          });
          tt.diagnostic(`prepare took ${Math.round(performance.now() - started)} ms`);
          assert.equal(await manager.getServiceStatus(), 'healthy');
          const rows = await asUser(
            server,
            'alice',
            'alice-Secret-1',
            'shop',
            `
        CREATE TABLE items (id int PRIMARY KEY, name text);
        INSERT INTO items VALUES (1, 'apple'), (2, 'pear');
        SELECT count(*)::int AS n FROM items`,
          );
          assert.deepEqual(rows, [{ n: 2 }]);
          assert.deepEqual(
            await asUser(
              server,
              'root',
              'root-Secret-1',
              'postgres',
              "SELECT current_setting('is_superuser') AS su",
            ),
            [{ su: 'on' }],
          );
          const latin = (await manager.listDatabases({})).items.find((d) => d.name === 'latin');
          assert.deepEqual(latin, { name: 'latin', characterSet: 'LATIN1', collate: 'C' });
        },
      );

      await t.test(
        'a repeated prepare finds what the first created and starts no second server',
        async () => {
          const pid = postmasterPid(server);
          await manager.prepare({
            memoryMb: 512,
            databases: [{ name: 'shop' }],
            users: [{ name: 'alice', password: 'alice-Secret-1' }],
          });
          assert.equal(postmasterPid(server), pid);
          assert.equal(
            (
              await asUser(
                server,
                'alice',
                'alice-Secret-1',
                'shop',
                'SELECT count(*)::int AS n FROM items',
              )
            )[0]?.['n'],
            2,
          );
        },
      );

      await t.test(
        'pg_hba follows apply_access: a client outside the CIDRs is refused',
        async () => {
          assert.equal(await manager.applyAccess(['10.0.0.0/24']), true);
          await assert.rejects(
            asUser(server, 'alice', 'alice-Secret-1', 'shop', 'SELECT 1'),
            /no pg_hba\.conf entry/,
          );
          await manager.applyAccess(['127.0.0.1/32']);
          assert.deepEqual(
            await asUser(server, 'alice', 'alice-Secret-1', 'shop', 'SELECT 1 AS one'),
            [{ one: 1 }],
          );
          await assert.rejects(manager.applyAccess(['127.0.0.1']), code('CELLAR_BAD_REQUEST'));
          await manager.applyAccess([]);
        },
      );

      await t.test(
        'passwords with quotes, backslashes and beyond ASCII log in as given',
        async () => {
          const tricky = `it's a "pw" with \\back\\slashes\\ and '; DROP ROLE os_admin; --`;
          await manager.createUser([
            { name: 'bob', password: tricky },
            { name: 'carol', password: 'pässwörd-ｆｕｌｌ' },
          ]);
          assert.deepEqual(
            await asUser(server, 'bob', tricky, 'postgres', 'SELECT current_user AS u'),
            [{ u: 'bob' }],
          );
          assert.deepEqual(
            await asUser(
              server,
              'carol',
              'pässwörd-ｆｕｌｌ',
              'postgres',
              'SELECT current_user AS u',
            ),
            [{ u: 'carol' }],
          );
          await manager.changePasswords([{ name: 'bob', password: 'bob-New-2' }]);
          await assert.rejects(
            asUser(server, 'bob', tricky, 'postgres', 'SELECT 1'),
            /password authentication failed/,
          );
          assert.equal(
            (await asUser(server, 'bob', 'bob-New-2', 'postgres', 'SELECT 1 AS one'))[0]?.['one'],
            1,
          );
          // Neither tenants' statements nor the guest's own (which carry verifiers) reach the log.
          const log = await readFile(join(server.logDir, 'postgresql.log'), 'utf8');
          assert.doesNotMatch(log, /statement: SELECT 1 AS one/);
          assert.doesNotMatch(log, /SCRAM-SHA-256\$|pässwörd|bob-New-2/);
        },
      );

      await t.test('a name made to break out of its quotes is only ever a name', async () => {
        const evil = 'x"; DROP ROLE os_admin; --';
        await manager.createUser([{ name: evil, password: 'evil-Secret-1' }]);
        assert.equal((await manager.getUser({ name: evil }))?.name, evil);
        await manager.createDatabase([{ name: evil }]);
        assert.ok((await manager.listDatabases({})).items.some((d) => d.name === evil));
        await manager.deleteDatabase({ name: evil });
        await manager.deleteUser({ name: evil });
        // os_admin is still there: the manager's own session works.
        assert.equal(await manager.getUser({ name: evil }), undefined);
        await assert.rejects(
          manager.createUser([{ name: 'os_admin', password: 'x' }]),
          code('CELLAR_BAD_REQUEST'),
        );
        await assert.rejects(manager.deleteUser({ name: 'root' }), code('CELLAR_BAD_REQUEST'));
        await assert.rejects(
          manager.deleteDatabase({ name: 'postgres' }),
          code('CELLAR_BAD_REQUEST'),
        );
        await assert.rejects(
          manager.createDatabase([{ name: 'bad\0name' }]),
          code('CELLAR_BAD_REQUEST'),
        );
      });

      await t.test('duplicates and missing things answer AlreadyExists and NotFound', async () => {
        await assert.rejects(
          manager.createDatabase([{ name: 'shop' }]),
          code('CELLAR_ALREADY_EXISTS'),
        );
        await assert.rejects(
          manager.createUser([{ name: 'alice', password: 'x' }]),
          code('CELLAR_ALREADY_EXISTS'),
        );
        await assert.rejects(manager.deleteDatabase({ name: 'nowhere' }), code('CELLAR_NOT_FOUND'));
        await assert.rejects(manager.deleteUser({ name: 'nobody' }), code('CELLAR_NOT_FOUND'));
        await assert.rejects(
          manager.changePasswords([{ name: 'nobody', password: 'x' }]),
          code('CELLAR_NOT_FOUND'),
        );
        await assert.rejects(
          manager.grantAccess({ name: 'bob' }, ['nowhere']),
          code('CELLAR_NOT_FOUND'),
        );
        await assert.rejects(
          manager.createUser([{ name: 'dave', password: 'x', databases: [{ name: 'nowhere' }] }]),
          code('CELLAR_NOT_FOUND'),
        );
        assert.equal(
          await manager.getUser({ name: 'dave' }),
          undefined,
          'a user whose database is missing is not created',
        );
        await assert.rejects(
          manager.createDatabase([{ name: 'odd', characterSet: 'NO-SUCH-ENCODING' }]),
          code('CELLAR_BAD_REQUEST'),
        );
      });

      await t.test(
        'access: granted databases are listed, and only they let the user in',
        async () => {
          await manager.createDatabase([{ name: 'books' }]);
          await assert.rejects(
            asUser(server, 'bob', 'bob-New-2', 'books', 'SELECT 1'),
            /permission denied for database/,
          );
          await manager.grantAccess({ name: 'bob' }, ['books', 'shop']);
          assert.deepEqual(await manager.listAccess({ name: 'bob' }), [
            { name: 'books' },
            { name: 'shop' },
          ]);
          await asUser(server, 'bob', 'bob-New-2', 'books', 'CREATE TABLE shelf (id int)');
          await manager.revokeAccess({ name: 'bob' }, 'books');
          assert.deepEqual(await manager.listAccess({ name: 'bob' }), [{ name: 'shop' }]);
          await assert.rejects(
            asUser(server, 'bob', 'bob-New-2', 'books', 'SELECT 1'),
            /permission denied for database/,
          );
          await assert.rejects(
            manager.revokeAccess({ name: 'bob' }, 'books'),
            code('CELLAR_NOT_FOUND'),
          );
          const users = await manager.listUsers({});
          assert.deepEqual(
            users.items.map((u) => u.name),
            ['alice', 'bob', 'carol'],
          );
          assert.deepEqual(users.items.find((u) => u.name === 'alice')?.databases, [
            { name: 'shop' },
          ]);
        },
      );

      await t.test('lists page by name with limit and marker', async () => {
        await manager.createDatabase([{ name: 'p1' }, { name: 'p2' }, { name: 'p3' }]);
        const first = await manager.listDatabases({ limit: 2 });
        assert.deepEqual(
          first.items.map((d) => d.name),
          ['books', 'latin'],
        );
        assert.equal(first.nextMarker, 'latin');
        const second = await manager.listDatabases({ limit: 2, marker: 'latin' });
        assert.deepEqual(
          second.items.map((d) => d.name),
          ['p1', 'p2'],
        );
        const last = await manager.listDatabases({ limit: 3, marker: 'p2', includeMarker: true });
        assert.deepEqual(
          last.items.map((d) => d.name),
          ['p2', 'p3', 'shop'],
        );
        assert.equal(last.nextMarker, undefined);
        const users = await manager.listUsers({ limit: 1, marker: 'alice' });
        assert.deepEqual(
          users.items.map((u) => u.name),
          ['bob'],
        );
        assert.equal(users.nextMarker, 'bob');
      });

      await t.test(
        'a user who owns tables can be renamed and deleted; a database in use can be dropped',
        async () => {
          await manager.updateAttributes(
            { name: 'bob' },
            { name: 'robert', password: 'robert-Secret-3' },
          );
          assert.equal(await manager.getUser({ name: 'bob' }), undefined);
          assert.deepEqual(
            await asUser(
              server,
              'robert',
              'robert-Secret-3',
              'shop',
              'CREATE TABLE mine (id int); SELECT current_user AS u',
            ),
            [{ u: 'robert' }],
          );
          await assert.rejects(
            manager.updateAttributes({ name: 'robert' }, { name: 'alice' }),
            code('CELLAR_ALREADY_EXISTS'),
          );
          await manager.deleteUser({ name: 'robert' });
          assert.equal(await manager.getUser({ name: 'robert' }), undefined);
          const client = new pg.Client({
            host: '127.0.0.1',
            port: server.port,
            user: 'alice',
            password: 'alice-Secret-1',
            database: 'shop',
          });
          client.on('error', () => undefined);
          await client.connect();
          try {
            await manager.grantAccess({ name: 'alice' }, ['p1']);
            await manager.deleteDatabase({ name: 'shop' });
            assert.ok(!(await manager.listDatabases({})).items.some((d) => d.name === 'shop'));
          } finally {
            await client.end().catch(() => undefined);
          }
        },
      );

      await t.test(
        'root: enabled with a generated password, disabled without losing the role',
        async () => {
          const root = await manager.enableRoot();
          assert.equal(root.name, 'root');
          assert.equal(root.password?.length, 36);
          assert.equal(await manager.isRootEnabled(), true);
          await asUser(
            server,
            'root',
            root.password ?? '',
            'postgres',
            'CREATE TABLE root_owned (id int)',
          );
          await manager.disableRoot();
          assert.equal(await manager.isRootEnabled(), false);
          await assert.rejects(asUser(server, 'root', root.password ?? '', 'postgres', 'SELECT 1'));
          assert.ok(!(await manager.listUsers({})).items.some((u) => u.name === 'root'));
          await manager.enableRootWithPassword('root-Again-4');
          assert.equal(
            (
              await asUser(
                server,
                'root',
                'root-Again-4',
                'postgres',
                'SELECT count(*)::int AS n FROM root_owned',
              )
            )[0]?.['n'],
            0,
          );
        },
      );

      await t.test('restart keeps the data', async () => {
        const before = postmasterPid(server);
        await manager.restart();
        assert.notEqual(postmasterPid(server), before);
        assert.equal(await manager.getServiceStatus(), 'healthy');
        assert.deepEqual(
          await asUser(server, 'alice', 'alice-Secret-1', 'p1', 'SELECT current_database() AS db'),
          [{ db: 'p1' }],
        );
        assert.deepEqual(
          (await manager.listAccess({ name: 'alice' })).map((d) => d.name),
          ['p1'],
        );
      });

      await t.test(
        'a new manager adopts the running server instead of starting a second one',
        async () => {
          const pid = postmasterPid(server);
          const adopted = server.newManager();
          assert.equal(await adopted.getServiceStatus(), 'healthy');
          await adopted.resume();
          assert.equal(postmasterPid(server), pid);
          assert.ok((await adopted.listDatabases({})).items.some((d) => d.name === 'p1'));
        },
      );

      await t.test(
        'stop_db reports shutdown, is idempotent, and resume starts the server again',
        async () => {
          await manager.stopDb();
          assert.equal(await manager.getServiceStatus(), 'shutdown');
          await manager.stopDb();
          assert.equal(await server.newManager().getServiceStatus(), 'shutdown');
          await assert.rejects(
            manager.listDatabases({}),
            (error: unknown) =>
              code('CELLAR_INSTANCE_NOT_READY')(error) && /shutdown/.test((error as Error).message),
          );
          await manager.resume();
          assert.equal(await manager.getServiceStatus(), 'healthy');
          assert.equal((await manager.listUsers({})).items.length, 2);
        },
      );

      await t.test(
        'a server that died without being stopped is reported crashed, and resume recovers it',
        async () => {
          const pid = postmasterPid(server);
          assert.ok(pid !== undefined);
          process.kill(pid, 'SIGKILL');
          await waitFor(
            () => readPidFile(`${server.mountPoint}/data`) === undefined || !isRunning(pid),
          );
          assert.equal(await manager.getServiceStatus(), 'crashed');
          await manager.resume();
          assert.equal(await manager.getServiceStatus(), 'healthy');
          assert.deepEqual(
            await asUser(server, 'alice', 'alice-Secret-1', 'p1', 'SELECT 1 AS one'),
            [{ one: 1 }],
          );
        },
      );
    } finally {
      await server.dispose();
    }
  },
);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test(
  'prepare refuses clearly what PostgreSQL could not run with',
  { skip: noPostgres ?? false },
  async (t) => {
    const server = await liveInstance();
    try {
      await t.test('a socket path longer than unix sockets allow', async () => {
        const long = server.newManagerAt({ runDir: `${server.runDir}/${'r'.repeat(100)}` });
        await assert.rejects(
          long.prepare({ memoryMb: 512, databases: [], users: [] }),
          (error: unknown) =>
            code('CELLAR_GUEST_PREPARE_FAILED')(error) &&
            /longer than 107 bytes/.test((error as Error).message),
        );
      });
      await t.test('a run directory others may enter', async () => {
        await chmod(server.runDir, 0o755);
        await assert.rejects(
          server.manager.prepare({ memoryMb: 512, databases: [], users: [] }),
          /must be private/,
        );
        await chmod(server.runDir, 0o700);
      });
      await t.test(
        'a volume owned by root, when the guest runs as root',
        { skip: process.getuid?.() !== 0 && 'the tests do not run as root' },
        async () => {
          const owner = await stat(server.mountPoint);
          await chown(server.mountPoint, 0, 0);
          await assert.rejects(
            server.manager.prepare({ memoryMb: 512, databases: [], users: [] }),
            /refuses to run as root/,
          );
          await chown(server.mountPoint, owner.uid, owner.gid);
          assert.equal(await server.manager.getServiceStatus(), 'building');
        },
      );
    } finally {
      await server.dispose();
    }
  },
);

test(
  'what a standby agent made ahead: taken when the same PostgreSQL made it, never waited for when made for another',
  { skip: noPostgres ?? false },
  async (t) => {
    await t.test(
      "prepare renames the standby's initdb into the volume and starts from it",
      async () => {
        const server = await liveInstance();
        try {
          const done =
            postgresql.standby?.({
              dir: server.standbyDir,
              signal: new AbortController().signal,
              log: quietLog,
            }) ?? Promise.reject(new Error('no standby work'));
          const manager = server.newManagerAt({ standby: { dir: server.standbyDir, done } });
          await manager.prepare({ memoryMb: 512, databases: [{ name: 'ahead' }], users: [] });
          assert.equal(
            existsSync(join(server.standbyDir, 'data.initdb')),
            false,
            'the data directory was moved',
          );
          assert.equal(await manager.getServiceStatus(), 'healthy');
          assert.deepEqual(
            (await manager.listDatabases({})).items.map((d) => d.name),
            ['ahead'],
          );
        } finally {
          await server.dispose();
        }
      },
    );
    await t.test(
      'a standby working for other binaries is left alone, and prepare runs its own initdb at once',
      async () => {
        const server = await liveInstance();
        try {
          await writeFile(join(server.standbyDir, 'made-with'), '/usr/lib/postgresql/0/bin');
          const never = new Promise<void>(() => undefined);
          const manager = server.newManagerAt({ standby: { dir: server.standbyDir, done: never } });
          await manager.prepare({ memoryMb: 512, databases: [], users: [] });
          assert.equal(await manager.getServiceStatus(), 'healthy');
        } finally {
          await server.dispose();
        }
      },
    );
  },
);
