// Passwords against a real server: each one reaches PostgreSQL only as its SCRAM verifier, never
// in the clear (not in a statement, not in the server's log), and logs in exactly as given.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { ADMIN_USER } from './config.js';
import { asUser, waitFor } from './testing/live-client.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';
import { installedVersions } from './versions.js';

const noPostgres = whyNoPostgres();
const serverLog = (server: LiveServer): Promise<string> =>
  readFile(join(server.logDir, 'postgresql.log'), 'utf8');

/**
 * Has the server log every statement of every session, the guest's admin session included
 * (log_statement only covers sessions that do not turn it off; a sampled transaction is logged
 * whole), and waits until the log shows it does.
 */
async function logEverything(server: LiveServer): Promise<void> {
  const admin = new pg.Client({
    host: server.runDir,
    port: server.port,
    user: ADMIN_USER,
    database: 'postgres',
  });
  await admin.connect();
  try {
    await admin.query("ALTER SYSTEM SET log_statement = 'all'");
    await admin.query('ALTER SYSTEM SET log_transaction_sample_rate = 1');
  } finally {
    await admin.end();
  }
  // apply_access reloads the configuration and waits until the server has.
  await server.manager.applyAccess([]);
  await asUser(server, 'probe', 'probe-Secret-1', 'postgres', "SELECT 'log-probe' AS probe");
  await waitFor(async () => (await serverLog(server)).includes("SELECT 'log-probe'"));
}

/** Logs in with psql (libpq runs SASLprep as the server does) and answers current_user. */
async function psqlUser(server: LiveServer, user: string, password: string): Promise<string> {
  const bin = installedVersions()[0]?.location ?? '';
  const { stdout } = await promisify(execFile)(
    join(bin, 'psql'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(server.port),
      '-U',
      user,
      '-d',
      'postgres',
      '-tAc',
      'SELECT current_user',
    ],
    { env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: '5', PATH: '/usr/bin:/bin' } },
  );
  return stdout.trim();
}

const BEYOND_ASCII = {
  // NFKC maps the fullwidth letters to ASCII ones: SASLprep changes this password.
  carol: 'pässwörd-ｆｕｌｌ',
  // Unchanged by SASLprep.
  dmitri: 'пароль-Секрет-1',
  // U+0221 was unassigned in Unicode 3.2: SASLprep refuses it, and the raw password is hashed.
  erin: 'ȡ-unassigned-in-3.2',
} as const;

/**
 * Hashed raw by the server because its SASLprep refuses them (a tone mark prohibited before NFKC,
 * nothing left after mapping). node-postgres skips those checks, so only libpq, which shares the
 * server's SASLprep, logs in with them.
 */
const LIBPQ_ONLY = { frank: 'tone\u0341-ü', grace: '\u00ad\ufe0f' } as const;

async function sasl(t: TestContext, server: LiveServer): Promise<void> {
  const { manager } = server;
  await manager.createUser([{ name: 'probe', password: 'probe-Secret-1' }]);
  await logEverything(server);
  const query = t.mock.method(pg.Client.prototype, 'query');
  await manager.createUser(
    Object.entries({ ...BEYOND_ASCII, ...LIBPQ_ONLY }).map(([name, password]) => ({
      name,
      password,
    })),
  );
  await manager.changePasswords([{ name: 'probe', password: 'zmień-Hasło-2' }]);
  await manager.enableRootWithPassword('корень-Root-3');
  const passwords = [
    ...Object.values({ ...BEYOND_ASCII, ...LIBPQ_ONLY }),
    'zmień-Hasło-2',
    'корень-Root-3',
  ];
  const sent = query.mock.calls.map((call) => JSON.stringify(call.arguments));
  t.mock.restoreAll();
  const log = await serverLog(server);
  for (const password of passwords) {
    for (const form of new Set([password, password.normalize('NFKC')])) {
      assert.ok(!sent.some((sql) => sql.includes(form)), `a statement carried ${form}`);
      assert.ok(!log.includes(form), `the server log holds ${form}`);
    }
  }
  assert.ok(
    sent.some((sql) => sql.includes('SCRAM-SHA-256$')),
    'the passwords were sent as verifiers',
  );
  for (const [name, password] of Object.entries(BEYOND_ASCII)) {
    assert.deepEqual(await asUser(server, name, password, 'postgres', 'SELECT current_user AS u'), [
      { u: name },
    ]);
    assert.equal(await psqlUser(server, name, password), name);
  }
  for (const [name, password] of Object.entries(LIBPQ_ONLY))
    assert.equal(await psqlUser(server, name, password), name);
  assert.equal(await psqlUser(server, 'probe', 'zmień-Hasło-2'), 'probe');
  assert.equal(await psqlUser(server, 'root', 'корень-Root-3'), 'root');
}

test('passwords against a real server', { skip: noPostgres ?? false }, async (t) => {
  const server = await liveInstance();
  const { manager } = server;
  try {
    await manager.prepare({ memoryMb: 512, databases: [], users: [] });

    await t.test(
      'passwords with quotes, backslashes and beyond ASCII log in as given',
      async () => {
        const tricky = `it's a "pw" with \\back\\slashes\\ and '; DROP ROLE os_admin; --`;
        await manager.createUser([
          { name: 'bob', password: tricky },
          { name: 'carl', password: 'pässwörd-ｆｕｌｌ' },
        ]);
        assert.deepEqual(
          await asUser(server, 'bob', tricky, 'postgres', 'SELECT current_user AS u'),
          [{ u: 'bob' }],
        );
        assert.deepEqual(
          await asUser(server, 'carl', 'pässwörd-ｆｕｌｌ', 'postgres', 'SELECT current_user AS u'),
          [{ u: 'carl' }],
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
        const log = await serverLog(server);
        assert.doesNotMatch(log, /statement: SELECT 1 AS one/);
        assert.doesNotMatch(log, /SCRAM-SHA-256\$|pässwörd|bob-New-2/);
      },
    );

    await t.test(
      'a password beyond ASCII reaches the server as its SCRAM verifier, never in the clear, and logs in',
      (tt) => sasl(tt, server),
    );
  } finally {
    await server.dispose();
  }
});
