import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf } from './proc.js';
import { serverMemoryBytes } from './memory.js';

test("a server's memory counts its child processes' too", async (t) => {
  const server = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], {
    stdio: 'ignore',
    detached: true,
  });
  t.after(() => process.kill(-(server.pid ?? 0), 'SIGKILL'));
  const pid = server.pid ?? 0;
  let children: number[] = [];
  for (const deadline = Date.now() + 10_000; children.length < 2; await sleep(50)) {
    assert.ok(Date.now() < deadline, 'the two children did not start');
    children = await childrenOf(pid);
  }
  const [first, second] = await Promise.all(children.map((child) => serverMemoryBytes(child)));
  const whole = await serverMemoryBytes(pid);
  assert.ok(first && second && whole, `read ${first}, ${second} and ${whole}`);
  assert.ok(whole >= first + second, `${whole} bytes in all, ${first} and ${second} in children`);
});

test('a server that is gone has no memory figure', async () => {
  assert.equal(await serverMemoryBytes(2 ** 22 + 7), undefined);
});
