// prepare against a real server: what a request creates, a repeated prepare, what PostgreSQL
// could not run with refused clearly, and the data directory a standby agent made ahead.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import postgresql from './guest.js';
import { asUser, code, postmasterPid, quietLog } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();

async function createsWhatWasAsked(t: TestContext, server: LiveServer): Promise<void> {
  const { manager } = server;
  const started = performance.now();
  await manager.prepare({
    memoryMb: 512,
    databases: [{ name: 'shop' }, { name: 'latin', characterSet: 'LATIN1', collate: 'C' }],
    users: [{ name: 'alice', password: 'alice-Secret-1', databases: [{ name: 'shop' }] }],
    rootPassword: 'root-Secret-1',
  });
  t.diagnostic(`prepare took ${Math.round(performance.now() - started)} ms`);
  assert.equal(await manager.getServiceStatus(), 'healthy');
  const rows = await asUser(
    server,
    'alice',
    'alice-Secret-1',
    'shop',
    `CREATE TABLE items (id int PRIMARY KEY, name text);
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
}

async function repeatedPrepare(server: LiveServer): Promise<void> {
  const pid = postmasterPid(server);
  await server.manager.prepare({
    memoryMb: 512,
    databases: [{ name: 'shop' }],
    users: [{ name: 'alice', password: 'alice-Secret-1' }],
  });
  assert.equal(postmasterPid(server), pid);
  const rows = await asUser(
    server,
    'alice',
    'alice-Secret-1',
    'shop',
    'SELECT count(*)::int AS n FROM items',
  );
  assert.equal(rows[0]?.['n'], 2);
}

test('prepare against a real server', { skip: noPostgres ?? false }, async (t) => {
  const server = await liveInstance();
  try {
    await t.test(
      'prepare creates the databases, users and root of the request, ready to log in',
      (tt) => createsWhatWasAsked(tt, server),
    );
    await t.test(
      'a repeated prepare finds what the first created and starts no second server',
      () => repeatedPrepare(server),
    );
  } finally {
    await server.dispose();
  }
});

async function refusesRootVolume(server: LiveServer): Promise<void> {
  const owner = await stat(server.mountPoint);
  await chown(server.mountPoint, 0, 0);
  await assert.rejects(
    server.manager.prepare({ memoryMb: 512, databases: [], users: [] }),
    /refuses to run as root/,
  );
  await chown(server.mountPoint, owner.uid, owner.gid);
  assert.equal(await server.manager.getServiceStatus(), 'building');
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
        () => refusesRootVolume(server),
      );
    } finally {
      await server.dispose();
    }
  },
);

async function takesTheStandbysWork(): Promise<void> {
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
}

async function ignoresAnotherVersionsStandby(): Promise<void> {
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
}

test(
  'what a standby agent made ahead: taken when the same PostgreSQL made it, never waited for when made for another',
  { skip: noPostgres ?? false },
  async (t) => {
    await t.test(
      "prepare renames the standby's initdb into the volume and starts from it",
      takesTheStandbysWork,
    );
    await t.test(
      'a standby working for other binaries is left alone, and prepare runs its own initdb at once',
      ignoresAnotherVersionsStandby,
    );
  },
);
