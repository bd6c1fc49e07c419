// Removing a guest's OS user: a user still running a process stays noted, so the next start of
// the control plane removes it then; a user already gone is simply forgotten.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { GuestUsers } from './os-users.js';

const run = promisify(execFile);
const skip: string | false =
  process.getuid?.() === 0 ? false : 'guest users are made only when Cellar runs as root';

const exists = (name: string): Promise<boolean> =>
  run('id', [name]).then(
    () => true,
    () => false,
  );

test(
  'a guest user userdel refuses (a process still runs as it) stays noted and is removed at the next start',
  { skip },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'cellar-users-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const users = new GuestUsers(join(dir, '.users'), 'cellartest', true, {
      warn: (_fields, message) => warnings.push(message),
    });
    await users.open();
    const user = await users.create();
    assert.ok(user);
    t.after(() => run('userdel', [user.name]).catch(() => undefined));
    const busy = spawn('/bin/sleep', ['30'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    const exited = new Promise((resolve) => busy.once('exit', resolve));
    t.after(() => busy.kill('SIGKILL'));
    await new Promise((resolve) => busy.once('spawn', resolve));

    await users.drop(user.name);
    assert.equal(await exists(user.name), true, 'userdel refused: the user is still there');
    assert.ok(existsSync(join(dir, '.users', user.name)), 'still noted, to be removed later');
    assert.match(warnings.join('\n'), /could not be removed/);

    busy.kill('SIGKILL');
    await exited;
    await users.removeUnused(new Set());
    assert.equal(await exists(user.name), false, 'removed at the next start');
    assert.equal(existsSync(join(dir, '.users', user.name)), false);
  },
);

test(
  'a noted guest user that no longer exists is forgotten without a warning',
  { skip },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'cellar-users-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const users = new GuestUsers(join(dir, '.users'), 'cellartest', true, {
      warn: (_fields, message) => warnings.push(message),
    });
    await users.open();
    const user = await users.create();
    assert.ok(user);
    await run('userdel', [user.name]);
    await users.drop(user.name);
    assert.equal(existsSync(join(dir, '.users', user.name)), false);
    assert.deepEqual(warnings, []);
  },
);
