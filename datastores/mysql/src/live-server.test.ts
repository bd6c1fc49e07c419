// The live tests' own helper: run as root, it leaves the host's OS users as it found them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { liveInstance, whyNoServer } from './testing/live-server.js';

const noServer = whyNoServer();
const passwdOf = async (uid: number): Promise<string | undefined> =>
  (await readFile('/etc/passwd', 'utf8'))
    .split('\n')
    .find((line) => line.split(':')[2] === String(uid));

test('the live-server helper removes the OS user it added to run the server as', async (t) => {
  if (noServer !== undefined) return t.skip(noServer);
  if (process.getuid?.() !== 0) return t.skip('only root adds OS users');
  const server = await liveInstance([]);
  let disposed = false;
  t.after(() => (disposed ? undefined : server.dispose()));
  const added = await passwdOf(server.uid);
  assert.ok(added !== undefined, 'the helper added a user to run the server as');
  await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
  assert.equal(await server.manager.getServiceStatus(), 'healthy');
  await server.dispose();
  disposed = true;
  assert.equal(await passwdOf(server.uid), undefined, `${added} is left in /etc/passwd`);
});
