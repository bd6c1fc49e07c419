import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  freeAddress,
  harnessOfInstances,
  optionDefaults,
  randomLoopbackAddress,
  scratchInstance,
} from './live-instance.js';

test('scratchInstance: private vol, run, log and the asked-for directories, for the unprivileged user when root', async () => {
  const scratch = await scratchInstance({
    prefix: 'ctest-',
    users: ['nobody'],
    more: ['standby'],
  });
  try {
    assert.match(scratch.base, /^\/tmp\/ctest-/);
    const expectedUid = process.getuid?.() === 0 ? 65534 : process.getuid?.();
    assert.equal(scratch.uid, expectedUid);
    for (const dir of [scratch.base, scratch.mountPoint, scratch.runDir, scratch.logDir]) {
      const info = await stat(dir);
      assert.equal(info.uid, expectedUid, dir);
    }
    const standby = await stat(scratch.dirs.standby);
    assert.equal(standby.mode & 0o777, 0o700);
    assert.equal(standby.uid, expectedUid);
  } finally {
    await scratch.remove();
  }
  assert.equal(existsSync(scratch.base), false);
});

test('scratchInstance: as root with none of the users and none to add, it says which it looked for', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('only root runs servers as another user');
  await assert.rejects(
    scratchInstance({ prefix: 'ctest-', users: ['cellar-no-such-user'] }),
    /^Error: no unprivileged user \(cellar-no-such-user\) to run the server as$/,
  );
});

test('freeAddress: a 127.77.x.y address with a port free on it', async () => {
  assert.match(
    randomLoopbackAddress(),
    /^127\.77\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/,
  );
  const { address, port } = await freeAddress();
  assert.match(address, /^127\.77\./);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, address, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});

test('optionDefaults: every option at its default', () => {
  assert.deepEqual(
    optionDefaults({ options: { port: { default: 6379 }, policy: { default: 'noeviction' } } }),
    { port: 6379, policy: 'noeviction' },
  );
});

test('harnessOfInstances: each manager prepared on an instance of its own, all disposed', async () => {
  const prepared: number[] = [];
  const disposed: number[] = [];
  let made = 0;
  const harness = harnessOfInstances(async () => {
    const id = ++made;
    const manager = {
      prepare: async (request: { memoryMb: number }) => {
        assert.equal(request.memoryMb, 512);
        prepared.push(id);
      },
    } as unknown as Awaited<ReturnType<Parameters<typeof harnessOfInstances>[0]>>['manager'];
    return { manager, dispose: async () => void disposed.push(id) };
  });
  await harness.createManager();
  await harness.createManager();
  assert.deepEqual(prepared, [1, 2]);
  await harness.dispose();
  assert.deepEqual(disposed.sort(), [1, 2]);
});
