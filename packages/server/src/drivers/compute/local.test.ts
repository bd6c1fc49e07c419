// The local driver's pure parts: which addresses a pool gives, and what a failed guest's output
// becomes in the fault a user reads.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePool, tail } from './local.js';

test('a pool gives every address but the network and broadcast ones, on loopback only', () => {
  const dotted = (n: number): string =>
    [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const pool = parsePool('127.42.0.0/16');
  assert.deepEqual([dotted(pool.first), dotted(pool.last)], ['127.42.0.1', '127.42.255.254']);
  const small = parsePool('127.9.9.9/30');
  assert.deepEqual([dotted(small.first), dotted(small.last)], ['127.9.9.9', '127.9.9.10']);
  assert.throws(() => parsePool('10.0.0.0/8'), /not a loopback network/);
  assert.throws(() => parsePool('127.42.0.0/31'), /prefix of 8 to 30/);
  assert.throws(() => parsePool('127.300.0.0/16'), /not a loopback network/);
});

test("a failed guest's fault starts at its error line and leaves stack frames out", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-tail-'));
  try {
    const file = join(dir, 'guest.out');
    await writeFile(
      file,
      'file:///x.mjs:1\n  code\n  ^\n\nError: Cannot find module pg\n    at a (x:1)\n    at b (x:2)\n\nNode.js v20\n',
    );
    assert.equal(await tail(file), 'Error: Cannot find module pg | Node.js v20');
    await writeFile(
      file,
      'the guest agent did not start:\n  [rpc] instance_key is required and not set\n',
    );
    assert.equal(
      await tail(file),
      'the guest agent did not start: |   [rpc] instance_key is required and not set',
    );
    assert.equal(await tail(join(dir, 'missing')), 'it wrote nothing');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
