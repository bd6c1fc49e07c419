// Root against a real redis-server: what it may not do to get out of its instance (listen on
// other addresses, rewrite redis.conf, lock the guest out), and what every start puts back.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningServer } from '@cellar/plugin-api/processes';
import { randomLoopbackAddress } from '@cellar/plugin-api/testing';
import { sha256 } from './instance-files.js';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
let server: LiveServer;

before(async () => {
  if (skip !== false) return;
  server = await liveInstance();
  await server.manager.prepare({
    memoryMb: 256,
    databases: [],
    users: [],
    rootPassword: 'root-pw',
  });
});
after(async () => {
  await server?.dispose();
});

/** What root's command answers: its reply, or the server's error. */
async function asRoot(...command: string[]): Promise<string> {
  const root = await server.connect('default', 'root-pw');
  try {
    return String(await root.call(command[0] ?? '', ...command.slice(1)));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    root.disconnect();
  }
}

/** Whether a TCP connection to address:port is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Another loopback address than the instance's: a server bound to every address answers it. */
function otherAddress(): string {
  for (;;) {
    const address = randomLoopbackAddress();
    if (address !== server.address) return address;
  }
}

const pidOf = (): number | undefined =>
  runningServer(join(server.runDir, 'redis.pid'), join(server.mountPoint, 'data'));

test('root cannot make the server listen elsewhere or rewrite redis.conf', { skip }, async () => {
  assert.match(await asRoot('CONFIG', 'SET', 'bind', '* -::*'), /NOPERM/);
  assert.match(await asRoot('CONFIG', 'REWRITE'), /NOPERM/);
  assert.match(await asRoot('CONFIG', 'SET', 'dir', '/tmp'), /NOPERM/);
  assert.equal(await accepts(otherAddress(), server.port), false);
  assert.match(await asRoot('CONFIG', 'GET', 'maxmemory'), /maxmemory/, 'root still reads it');
  assert.equal(await asRoot('SET', 'k', 'v'), 'OK', 'root still has the data');
});

test(
  'root cannot disable or delete os_admin, nor save or load the ACL file',
  { skip },
  async () => {
    for (const command of [
      ['ACL', 'SETUSER', 'os_admin', 'off'],
      ['ACL', 'SETUSER', 'os_admin', 'resetpass'],
      ['ACL', 'DELUSER', 'os_admin'],
      ['ACL', 'SETUSER', 'default', '+config|set'],
      ['ACL', 'SAVE'],
      ['ACL', 'LOAD'],
      ['SHUTDOWN', 'NOSAVE'],
    ])
      assert.match(await asRoot(...command), /NOPERM/, command.join(' '));
    await server.manager.createUser([{ name: 'after', password: 'after-pw' }]);
    assert.deepEqual(
      (await server.manager.listUsers({})).items.map((u) => u.name),
      ['after'],
      'the guest still manages users',
    );
  },
);

test(
  'a restart and a resume rewrite redis.conf and put os_admin and root back as the guest set them',
  { skip },
  async () => {
    const conf = join(server.mountPoint, 'redis.conf');
    const acl = join(server.mountPoint, 'users.acl');
    await server.manager.stopDb();
    // What root could leave behind before its rules were narrowed, or an edit on the volume.
    await writeFile(conf, `${await readFile(conf, 'utf8')}bind * -::*\n`);
    await writeFile(
      acl,
      `user default on #${sha256('root-pw')} ~* &* +@all\nuser os_admin off resetpass -@all\n`,
    );
    await server.manager.restart();
    assert.equal(await accepts(otherAddress(), server.port), false, 'only its own address');
    assert.equal(await accepts(server.address, server.port), true);
    assert.match(await asRoot('CONFIG', 'SET', 'bind', '*'), /NOPERM/, "root's rules are back");
    assert.equal(await server.manager.isRootEnabled(), true, 'os_admin works again');

    process.kill(pidOf() ?? 0, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (pidOf() !== undefined) {
      assert.ok(Date.now() < deadline, 'the killed server is gone');
      await sleep(10);
    }
    // Without a default line Redis would let anyone in as the default user, with every command.
    await writeFile(acl, 'user os_admin off\n');
    await writeFile(conf, `${await readFile(conf, 'utf8')}bind * -::*\n`);
    const agent = server.newManager();
    await agent.resume();
    assert.equal(await accepts(otherAddress(), server.port), false, 'only its own address');
    assert.equal(await agent.isRootEnabled(), false, 'root is off, as it is with no password');
    const anyone = await server.connect('default', '').catch((error: Error) => error.message);
    assert.equal(typeof anyone, 'string', 'nobody gets in as the default user without a password');
  },
);
