// What a failed guest's output becomes in the fault a user reads.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tail } from './agent-process.js';

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
