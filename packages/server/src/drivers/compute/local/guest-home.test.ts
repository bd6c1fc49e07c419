// Where the guests' directory is: the state directory when the guests can reach it, the operator's
// [local] guest_path when set, and a deployment name that stays the same for a state directory.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deploymentName, guestHome } from './guest-home.js';
import { unreachable } from './permissions.js';

test('a deployment is named after its state directory, the same at every start', () => {
  assert.equal(deploymentName('/root/cellar/state'), deploymentName('/root/cellar/state'));
  assert.match(deploymentName('/root/cellar/state'), /^state-[0-9a-f]{12}$/);
  assert.notEqual(deploymentName('/a/state'), deploymentName('/b/state'));
  assert.match(deploymentName('/tmp/my state!'), /^my-state--[0-9a-f]{12}$/);
});

test('the guests use the state directory unless it is out of their reach as root, or guest_path says', async () => {
  const outer = await mkdtemp(join(tmpdir(), 'cellar-home-'));
  try {
    const state = join(outer, 'state');
    await mkdir(state);
    await chmod(outer, 0o700);
    assert.match((await unreachable([state])) ?? '', /cannot pass through .* \(mode 700\)/);
    // Not root: guests run as Cellar's own user, who reaches its own state directory.
    assert.equal(await guestHome(state, '', false), await realpath(state));
    await chmod(outer, 0o711);
    assert.equal(await guestHome(state, '', true), await realpath(state));
    assert.equal(await guestHome(state, 'guests', true), join(await realpath(state), 'guests'));
  } finally {
    await rm(outer, { recursive: true, force: true });
  }
});
