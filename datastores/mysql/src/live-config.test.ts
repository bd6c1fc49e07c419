// The server's option file on a real MariaDB: whatever root makes the server write into the
// volume, every start listens only on the instance's address with the settings prepare chose.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { appendFile, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, readPid } from '@cellar/plugin-api/processes';
import { asUser } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noServer = whyNoServer();
const ROOT_PASSWORD = 'root-Secret-1';
const INJECTED = 'bind-address=0.0.0.0';

/** The addresses listening on a TCP port, from /proc/net/tcp and tcp6 (`::` stands for IPv6). */
function listening(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [local, , state] = line.trim().split(/\s+/).slice(1);
      const [hex = '', portHex = ''] = (local ?? '').split(':');
      if (state !== '0A' || Number.parseInt(portHex, 16) !== port) continue;
      if (hex.length !== 8) found.push('::');
      else
        found.push(
          (hex.match(/../g) ?? [])
            .reverse()
            .map((b) => Number.parseInt(b, 16))
            .join('.'),
        );
    }
  }
  return found;
}

/** Until the process is gone (its parent, the test, reaps nothing: mariadbd is detached). */
async function waitGone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    assert.ok(Date.now() < deadline, `process ${pid} is gone`);
    await sleep(10);
  }
}

/** Prepared, with root enabled, as a tenant has it. */
async function preparedWithRoot(t: { after(fn: () => Promise<void>): void }): Promise<LiveServer> {
  const server = await liveInstance();
  t.after(() => server.dispose());
  await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
  await server.manager.enableRootWithPassword(ROOT_PASSWORD);
  assert.deepEqual(listening(server.port), [server.address]);
  return server;
}

test(
  'a general log root points at cellar.cnf adds no server option at the next restart',
  { skip: noServer },
  async (t) => {
    const server = await preparedWithRoot(t);
    const cnf = join(server.mountPoint, 'cellar.cnf');
    const asRoot = (sql: string): Promise<unknown> => asUser(server, 'root', ROOT_PASSWORD, sql);
    // Refused once the file is out of the server's reach; the statement is logged elsewhere then.
    await asRoot(`SET GLOBAL general_log_file = '${cnf}'`).catch(() => undefined);
    await asRoot('SET GLOBAL general_log = ON');
    await asRoot(`SELECT 1 /*\n[mysqld]\n${INJECTED}\nskip-grant-tables\n#*/`);
    await asRoot('SET GLOBAL general_log = OFF');
    await server.manager.restart();
    assert.equal(await server.manager.getServiceStatus(), 'healthy');
    assert.deepEqual(listening(server.port), [server.address]);
    assert.ok(!(await readFile(cnf, 'utf8')).includes(INJECTED), 'cellar.cnf holds root text');
  },
);

test(
  'every start renders cellar.cnf again instead of reading it back',
  { skip: noServer },
  async (t) => {
    const server = await preparedWithRoot(t);
    const cnf = join(server.mountPoint, 'cellar.cnf');
    const tamper = async (): Promise<void> => {
      await chmod(cnf, 0o600);
      await appendFile(cnf, `[mysqld]\n${INJECTED}\nport = 1\n`);
    };
    await tamper();
    await server.manager.restart();
    assert.deepEqual(listening(server.port), [server.address]);
    assert.ok(!(await readFile(cnf, 'utf8')).includes(INJECTED), 'restart kept the old file');
    // A crash, and a new agent's resume: the same settings come back, none of the appended ones.
    await tamper();
    const pid = readPid(join(server.runDir, 'mysqld.pid'));
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    await server.newManager().resume();
    assert.deepEqual(listening(server.port), [server.address]);
    const [pool] = await asUser(
      server,
      'root',
      ROOT_PASSWORD,
      'SELECT @@innodb_buffer_pool_size AS b',
    );
    assert.deepEqual(pool, { b: 256 * 1024 * 1024 });
    // The recorded settings are refused, not read, once anything was appended to them.
    await server.manager.stopDb();
    const settings = join(server.mountPoint, 'cellar-settings.json');
    await chmod(settings, 0o600);
    await appendFile(settings, '{"memoryMb": 1}\n');
    await assert.rejects(server.manager.restart(), /is not the settings prepare recorded/);
  },
);

test(
  'the server cannot write its option file nor the admin password file',
  { skip: noServer },
  async (t) => {
    const server = await preparedWithRoot(t);
    for (const name of ['cellar.cnf', 'cellar-admin.cnf']) {
      const path = join(server.mountPoint, name);
      assert.equal(statSync(path).mode & 0o777, 0o400, `${name} is read-only`);
      await assert.rejects(
        asUser(server, 'root', ROOT_PASSWORD, `SET GLOBAL slow_query_log_file = '${path}'`),
        { code: 'ER_WRONG_VALUE_FOR_VAR' },
      );
    }
  },
);
