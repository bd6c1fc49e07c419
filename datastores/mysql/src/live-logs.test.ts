// Passwords against a real MariaDB whose root turned every log on: the statements that carry them
// (CREATE USER, ALTER USER, root's) reach neither the general log nor the slow query log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { asUser } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noServer = whyNoServer();
const ROOT_PASSWORD = 'root-Secret-1';
const TRICKY = [
  `it's a "pw" with \\back\\slashes\\ and '; DROP USER os_admin; --`,
  "x' IDENTIFIED BY 'y",
  'пароль-Секрет-1/*',
];

const logText = (server: LiveServer, name: string): Promise<string> =>
  readFile(join(server.logDir, name), 'utf8').catch(() => '');
const logs = (server: LiveServer): Promise<[string, string]> =>
  Promise.all([logText(server, 'general.log'), logText(server, 'slow.log')]);
/** A mark no log holds unless a password reached it: the log escapes quotes and backslashes. */
const mark = (what: string): string => `${what}-${randomBytes(6).toString('hex')}`;

/**
 * What root may do: the general log and a slow query log of every statement (long_query_time 0)
 * for every session opened from now on. Waits until both logs show a tenant's statement.
 */
async function logEverything(server: LiveServer): Promise<void> {
  for (const statement of [
    `SET GLOBAL general_log_file = '${join(server.logDir, 'general.log')}'`,
    `SET GLOBAL slow_query_log_file = '${join(server.logDir, 'slow.log')}'`,
    'SET GLOBAL long_query_time = 0',
    'SET GLOBAL log_slow_admin_statements = ON',
    'SET GLOBAL general_log = ON',
    'SET GLOBAL slow_query_log = ON',
  ])
    await asUser(server, 'root', ROOT_PASSWORD, statement);
  const deadline = Date.now() + 10_000;
  for (;;) {
    await asUser(server, 'root', ROOT_PASSWORD, "SELECT 'log-probe' AS probe");
    const [general, slow] = await logs(server);
    if (general.includes("'log-probe'") && slow.includes("'log-probe'")) return;
    assert.ok(Date.now() < deadline, 'both logs show statements');
    await sleep(50);
  }
}

test(
  'passwords set through the manager reach neither the general nor the slow query log',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
    await server.manager.enableRootWithPassword(ROOT_PASSWORD);
    await logEverything(server);
    // The agent restarted: its admin session opens under root's new global settings.
    const manager = server.newManager();
    const created = TRICKY.map((p) => mark(`${p}-create`));
    const changed = TRICKY.map((p) => mark(`${p}-change`));
    const [root, renamed] = [mark('root'), mark('attribute')];
    await manager.createUser(created.map((password, i) => ({ name: `u${i}`, password })));
    await manager.changePasswords(changed.map((password, i) => ({ name: `u${i}`, password })));
    await manager.enableRootWithPassword(root);
    await manager.updateAttributes({ name: 'u0' }, { password: renamed });
    const [general, slow] = await logs(server);
    for (const password of [...created, ...changed, root, renamed]) {
      const seen = password.slice(-12);
      assert.ok(!general.includes(seen), `the general log holds ${password}`);
      assert.ok(!slow.includes(seen), `the slow query log holds ${password}`);
    }
    // The passwords work: the statements ran, they were only kept out of the logs.
    const u1 = changed[1] ?? '';
    assert.deepEqual(await asUser(server, 'u1', u1, 'SELECT 1 AS one'), [{ one: 1 }]);
    assert.deepEqual(await asUser(server, 'root', root, 'SELECT 1 AS one'), [{ one: 1 }]);
  },
);
