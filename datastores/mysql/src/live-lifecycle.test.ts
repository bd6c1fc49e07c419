// The server's life on a real MariaDB: prepared from the standby's data directory or its own,
// listening on the instance's address with the flavor's settings as an unprivileged user, stopped,
// restarted, and brought back by a new manager after a crash.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { standby } from './install-db.js';
import { readPid } from '@cellar/plugin-api/processes';
import { asUser, canLogIn } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noServer = whyNoServer();
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const serverPid = (server: LiveServer): number | undefined =>
  readPid(join(server.runDir, 'mysqld.pid'));

/** The real uid a process runs as, from /proc. */
const uidOf = (pid: number): number =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

test(
  'prepare runs the server on the instance address with settings from the flavor, as the volume owner',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    await server.manager.prepare({
      memoryMb: 1024,
      databases: [{ name: 'shop' }],
      users: [{ name: 'alice', password: 'alice-Secret-1', databases: [{ name: 'shop' }] }],
    });
    assert.equal(await server.manager.getServiceStatus(), 'healthy');
    const [settings] = await asUser(
      server,
      'alice',
      'alice-Secret-1',
      'SELECT @@innodb_buffer_pool_size AS pool, @@max_connections AS conns, @@bind_address AS bind, @@port AS port, DATABASE() AS db',
      'shop',
    );
    assert.deepEqual(settings, {
      pool: 512 * 1024 * 1024,
      conns: 200,
      bind: server.address,
      port: server.port,
      db: 'shop',
    });
    const pid = serverPid(server);
    assert.ok(pid !== undefined, 'the pid file is in the run directory');
    assert.equal(uidOf(pid), server.uid);
    assert.notEqual(uidOf(pid), 0);
    assert.ok(existsSync(join(server.runDir, 'mysqld.sock')), 'the socket is in the run directory');
    // The admin password is only in a file private to the server's user; the first start's SQL is gone.
    const cnf = statSync(join(server.mountPoint, 'cellar-admin.cnf'));
    assert.equal(cnf.mode & 0o777, 0o400);
    assert.equal(cnf.uid, server.uid);
    assert.equal(existsSync(join(server.runDir, 'cellar-init.sql')), false);
    // The initialiser's passwordless root is gone before anyone could connect.
    assert.equal(await canLogIn(server, 'root', ''), false);
    assert.equal(await server.manager.isRootEnabled(), false);
    // A repeated prepare finds the server, the database and the user, and goes on.
    await server.manager.prepare({
      memoryMb: 1024,
      databases: [{ name: 'shop' }],
      users: [{ name: 'alice', password: 'alice-Secret-1' }],
    });
    assert.equal(serverPid(server), pid);
  },
);

test(
  'stop reports shutdown, restart brings the same data back, a new manager resumes after a crash',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    const { manager } = server;
    await manager.prepare({ memoryMb: 512, databases: [{ name: 'kept' }], users: [] });
    await manager.stopDb();
    assert.equal(await manager.getServiceStatus(), 'shutdown');
    assert.equal(serverPid(server), undefined, 'the server removed its pid file');
    await manager.restart();
    assert.equal(await manager.getServiceStatus(), 'healthy');
    assert.deepEqual(
      (await manager.listDatabases({})).items.map((d) => d.name),
      ['kept'],
    );
    const pid = serverPid(server);
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while ((await manager.getServiceStatus()) !== 'crashed') {
      assert.ok(Date.now() < deadline, 'the killed server is reported crashed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const again = server.newManager();
    await again.resume();
    assert.equal(await again.getServiceStatus(), 'healthy');
    assert.deepEqual(
      (await again.listDatabases({})).items.map((d) => d.name),
      ['kept'],
    );
  },
);

test(
  'prepare takes the data directory the standby initialised ahead',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    const done = standby({
      dir: server.standbyDir,
      signal: new AbortController().signal,
      log: quiet,
    });
    await done;
    assert.ok(existsSync(join(server.standbyDir, 'data.install', 'mysql')));
    const manager = server.newManager({ dir: server.standbyDir, done });
    await manager.prepare({ memoryMb: 512, databases: [], users: [] });
    assert.equal(
      existsSync(join(server.standbyDir, 'data.install')),
      false,
      'renamed into the volume',
    );
    assert.equal(await manager.getServiceStatus(), 'healthy');
    assert.equal(await canLogIn(server, 'root', ''), false);
  },
);
