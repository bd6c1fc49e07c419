// The server's life through the manager against a real redis-server: who it runs as, the settings
// prepare derives, stop and restart with the data and users kept, an agent restart, a crash.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningServer } from '@cellar/plugin-api/processes';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
const servers: LiveServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

async function prepared(
  options: Parameters<typeof liveInstance>[0] = {},
  memoryMb = 1024,
): Promise<LiveServer> {
  const server = await liveInstance(options);
  servers.push(server);
  await server.manager.prepare({
    memoryMb,
    databases: [],
    users: [{ name: 'app', password: 'app-pw', rules: '~* +@read +@write' }],
    rootPassword: 'root-pw',
  });
  return server;
}

const pidOf = (s: LiveServer): number | undefined =>
  runningServer(join(s.runDir, 'redis.pid'), join(s.mountPoint, 'data'));

async function config(s: LiveServer, name: string): Promise<string> {
  const root = await s.connect('default', 'root-pw');
  try {
    return String(((await root.call('CONFIG', 'GET', name)) as string[])[1]);
  } finally {
    root.disconnect();
  }
}

test(
  "prepare runs redis-server as the volume's owner, on the instance's address, sized from the flavor",
  { skip },
  async () => {
    const server = await prepared({ maxmemory_policy: 'allkeys-lru', persistence: 'none' }, 1024);
    const pid = pidOf(server);
    assert.ok(pid !== undefined, 'the pid file names the running server');
    if (process.getuid?.() === 0) {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      assert.notEqual(uid, '0', 'Redis does not run as root');
    }
    assert.equal(await config(server, 'bind'), server.address);
    assert.equal(await config(server, 'maxmemory'), String(768 * 1024 * 1024));
    assert.equal(await config(server, 'maxmemory-policy'), 'allkeys-lru');
    assert.equal(await config(server, 'save'), '');
    assert.equal(await config(server, 'appendonly'), 'no');
    assert.equal(await config(server, 'dir'), join(server.mountPoint, 'data'));
    assert.equal(await server.manager.getServiceStatus(), 'healthy');
    const conf = await readFile(join(server.mountPoint, 'redis.conf'), 'utf8');
    const acl = await readFile(join(server.mountPoint, 'users.acl'), 'utf8');
    for (const text of [conf, acl, await readFile(join(server.logDir, 'redis.log'), 'utf8')])
      assert.ok(!text.includes('root-pw') && !text.includes('app-pw'), 'no password in clear');
  },
);

test(
  'stop, restart and a repeated prepare keep the data, the users and root',
  { skip },
  async () => {
    const server = await prepared({ persistence: 'aof' });
    const app = await server.connect('app', 'app-pw');
    await app.set('kept', 'yes');
    app.disconnect();
    await server.manager.stopDb();
    assert.equal(pidOf(server), undefined);
    assert.equal(await server.manager.getServiceStatus(), 'shutdown');
    await server.manager.restart();
    assert.equal(await server.manager.getServiceStatus(), 'healthy');
    const again = await server.connect('app', 'app-pw');
    assert.equal(await again.get('kept'), 'yes');
    again.disconnect();
    assert.equal(await server.manager.isRootEnabled(), true);
    const pid = pidOf(server);
    await server.manager.prepare({
      memoryMb: 1024,
      databases: [],
      users: [{ name: 'app', password: 'x' }],
    });
    assert.equal(pidOf(server), pid, 'a repeated prepare leaves the running server alone');
    assert.equal(await config(server, 'appendonly'), 'yes');
  },
);

test(
  'a restarted agent adopts the running server; a killed one is reported crashed and resumed',
  { skip },
  async () => {
    const server = await prepared();
    const pid = pidOf(server);
    const agent = server.newManager();
    await agent.resume();
    assert.equal(pidOf(server), pid, 'no second server');
    assert.equal(await agent.getServiceStatus(), 'healthy');
    process.kill(pid ?? 0, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while ((await agent.getServiceStatus()) !== 'crashed') {
      assert.ok(Date.now() < deadline, 'the killed server is reported crashed');
      await sleep(10);
    }
    await agent.resume();
    assert.equal(await agent.getServiceStatus(), 'healthy');
    const stats = await agent.getFilesystemStats();
    assert.ok(stats.totalBlocks > 0 && stats.free > 0);
  },
);

test("the server's command line in ps names the instance's redis.conf", { skip }, async () => {
  const server = await prepared();
  const cmdline = readFileSync(`/proc/${pidOf(server) ?? 0}/cmdline`, 'utf8');
  assert.ok(
    cmdline.includes(join(server.mountPoint, 'redis.conf')),
    `${cmdline} names ${server.mountPoint}`,
  );
});
