// Who reaches a project's backups in the local storage when guests are OS users of their own:
// the project's guests (each writing and reading as itself, in a child process), no other
// project's, and no user made later with a removed user's uid, even after a crash.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { BackupStorage } from '@cellar/plugin-api';
import local from '@cellar/backup-storage-local/storage';
import {
  asStorageUser as asUser,
  storageScripts,
  storageUnreachable,
} from '../../../testing/storage-as-user.js';
import { GuestUsers, type OsUser } from './os-users.js';
import { StorageAccess } from './storage-access.js';

const run = promisify(execFile);
const { write, read, probe } = storageScripts;
const skip: string | false =
  process.getuid?.() === 0
    ? storageUnreachable()
    : "guests have OS users of their own, and ACLs on their project's backups, only when Cellar runs as root";
const quiet = { warn: () => undefined };

interface Fixture {
  readonly path: string;
  readonly users: GuestUsers;
  readonly access: StorageAccess;
  readonly state: string;
  user(): Promise<OsUser>;
}

/** A temporary storage and driver state, users made the driver's way; all removed after. */
async function fixture(t: TestContext, under = 'backups'): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'cellar-storage-access-'));
  const made: OsUser[] = [];
  t.after(async () => {
    for (const user of made) await run('userdel', [user.name]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });
  await chmod(root, 0o711);
  const path = join(root, under);
  const dir = join(root, 'state');
  const access = new StorageAccess({
    dir: join(dir, '.grants'),
    openStorage: () => local.open({ path, fsync: true }),
    log: quiet,
  });
  const users = new GuestUsers(join(dir, '.users'), 'cellaracl', true, quiet, (name) =>
    access.revoke(name),
  );
  await users.open();
  await access.open();
  return {
    path,
    users,
    access,
    state: dir,
    async user() {
      const user = await users.create();
      assert.ok(user);
      made.push(user);
      return user;
    },
  };
}

/** Writes `body` as `user` into project p1 and says where and with which checksum. */
async function written(f: Fixture, user: OsUser, body: string, key: string) {
  const put = await asUser(user, f.path, write, ['p1', body, key]);
  assert.equal(put.code, 0, put.out);
  return JSON.parse(put.out) as { location: string; sha256: string };
}

const aclOf = async (path: string): Promise<string> =>
  (await run('getfacl', ['-R', '-n', '-p', path])).stdout;

test(
  "two guests of one project read each other's backups; a guest of another project is refused",
  { skip },
  async (t) => {
    const f = await fixture(t);
    const [first, second, other] = [await f.user(), await f.user(), await f.user()];
    await f.access.grant(first, 'p1');
    await f.access.grant(second, 'p1');
    await f.access.grant(other, 'p2');
    const stored = await written(f, first, 'the first instance', 'instance-1/backup-1');

    const back = await asUser(second, f.path, read, [stored.location, stored.sha256]);
    assert.equal(back.code, 0, back.out);
    assert.equal(back.out, 'the first instance');

    const file = join(f.path, 'p1', 'instance-1', 'backup-1');
    const refused = await asUser(other, f.path, probe, [stored.location, 'p1', file]);
    assert.equal(refused.code, 0, refused.out);
    const seen = JSON.parse(refused.out) as Record<string, string>;
    assert.match(seen.get ?? '', /^refused: .*EACCES/);
    assert.match(seen.list ?? '', /^refused: .*EACCES/);
    assert.match(seen.change ?? '', /^refused: EACCES/);
  },
);

test(
  'letting a guest into its project after a backup was written gives no guest write access to that backup',
  { skip },
  async (t) => {
    const f = await fixture(t);
    const [first, early] = [await f.user(), await f.user()];
    await f.access.grant(first, 'p1');
    await f.access.grant(early, 'p1');
    const stored = await written(f, first, 'written before', 'instance-1/backup-1');
    const late = await f.user();
    await f.access.grant(late, 'p1');
    const after = await written(f, first, 'written after', 'instance-1/backup-2');

    const file = join(f.path, 'p1', 'instance-1', 'backup-1');
    for (const peer of [early, late]) {
      const seen = await asUser(peer, f.path, probe, [stored.location, 'p1', file]);
      const { get, list, change } = JSON.parse(seen.out) as Record<string, string>;
      assert.equal(get, 'read');
      assert.equal(list, '2 objects');
      assert.match(change ?? '', /^refused: EACCES/, 'the writer gave others read, never write');
    }
    const again = await asUser(late, f.path, read, [after.location, after.sha256]);
    assert.equal(again.out, 'written after');
  },
);

test(
  "a removed guest user leaves no ACL entry naming its uid, and the others' rights stay as they were",
  { skip },
  async (t) => {
    const f = await fixture(t);
    const [gone, stays] = [await f.user(), await f.user()];
    await f.access.grant(gone, 'p1');
    await f.access.grant(stays, 'p1');
    await written(f, gone, 'object', 'instance-1/backup-1');
    const before = await aclOf(join(f.path, 'p1'));
    assert.match(before, new RegExp(`user:${gone.uid}:`));

    await f.users.drop(gone.name);
    const after = await aclOf(join(f.path, 'p1'));
    assert.doesNotMatch(after, new RegExp(`user:${gone.uid}:`));
    assert.match(after, new RegExp(`user:${stays.uid}:rwx`));
    const object = await aclOf(join(f.path, 'p1', 'instance-1', 'backup-1'));
    assert.match(object, /^mask::r--$/m, 'the object stays read-only for the project');
    assert.equal(existsSync(join(f.state, '.grants', gone.name)), false);
    assert.equal(
      await run('id', [gone.name]).then(
        () => true,
        () => false,
      ),
      false,
    );
  },
);

test(
  "after a crash, the start-up sweep withdraws a leftover guest user's access before removing it",
  { skip },
  async (t) => {
    const f = await fixture(t);
    const leftover = await f.user();
    await f.access.grant(leftover, 'p1');
    await written(f, leftover, 'object', 'instance-1/backup-1');

    // The control plane died: a new one, over the same state, sweeps the users no instance names.
    const access = new StorageAccess({ dir: join(f.state, '.grants'), log: quiet });
    const users = new GuestUsers(join(f.state, '.users'), 'cellaracl', true, quiet, (name) =>
      access.revoke(name),
    );
    await users.removeUnused(new Set());
    assert.doesNotMatch(await aclOf(join(f.path, 'p1')), new RegExp(`user:${leftover.uid}:`));
    assert.equal(
      await run('id', [leftover.name]).then(
        () => true,
        () => false,
      ),
      false,
    );
  },
);

test(
  'a guest user whose access cannot be withdrawn is not removed (its uid would carry the access)',
  { skip },
  async (t) => {
    const f = await fixture(t);
    const user = await f.user();
    await f.access.grant(user, 'p1');
    const broken = new StorageAccess({
      dir: join(f.state, '.grants'),
      setfacl: '/nonexistent/setfacl',
      log: quiet,
    });
    const warnings: string[] = [];
    const users = new GuestUsers(
      join(f.state, '.users'),
      'cellaracl',
      true,
      { warn: (_fields, message) => warnings.push(message) },
      (name) => broken.revoke(name),
    );
    await users.drop(user.name);
    assert.equal(
      await run('id', [user.name]).then(
        () => true,
        () => false,
      ),
      true,
    );
    assert.match(warnings.join('\n'), /access to backups could not be withdrawn/);
    await f.users.drop(user.name);
    assert.doesNotMatch(await aclOf(join(f.path, 'p1')), new RegExp(`user:${user.uid}:`));
  },
);

test(
  "a missing setfacl stops the grant with a reason naming Debian's acl package",
  { skip },
  async (t) => {
    const f = await fixture(t);
    const user = await f.user();
    const access = new StorageAccess({
      dir: join(f.state, '.grants'),
      openStorage: () => local.open({ path: f.path, fsync: true }),
      setfacl: '/nonexistent/setfacl',
      log: quiet,
    });
    await assert.rejects(access.grant(user, 'p1'), /Debian's acl package/);
  },
);

test('a storage not on this machine lets no guest into anything, and needs no setfacl', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-storage-access-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const remote = { name: 'swift', close: async () => undefined } as unknown as BackupStorage;
  const access = new StorageAccess({
    dir: join(dir, '.grants'),
    openStorage: async () => remote,
    setfacl: '/nonexistent/setfacl',
    log: quiet,
  });
  await access.open();
  await access.grant({ name: 'nobody', uid: 65534, gid: 65534 }, 'p1');
  assert.equal(existsSync(join(dir, '.grants', 'nobody')), false);
  await access.revoke('nobody');
});

test(
  'an instance made before its user was let into the storage is let in at the restart, once',
  { skip },
  async (t) => {
    const f = await fixture(t);
    const [first, older] = [await f.user(), await f.user()];
    await f.access.grant(first, 'p1');
    const stored = await written(f, first, 'object', 'instance-1/backup-1');

    await f.access.adopt('p1', async () => ({ user: older }));
    const back = await asUser(older, f.path, read, [stored.location, stored.sha256]);
    assert.equal(back.out, 'object');
    // Already let in: the next restart runs no setfacl (a missing one would say so).
    const warnings: string[] = [];
    const again = new StorageAccess({
      dir: join(f.state, '.grants'),
      openStorage: () => local.open({ path: f.path, fsync: true }),
      setfacl: '/nonexistent/setfacl',
      log: { warn: (_fields, message) => warnings.push(message) },
    });
    await again.adopt('p1', async () => ({ user: older }));
    assert.deepEqual(warnings, []);
  },
);

test(
  "a storage directory the guests' users cannot pass through stops the grant, naming it",
  { skip },
  async (t) => {
    const f = await fixture(t, 'closed/backups');
    await mkdir(dirname(f.path), { mode: 0o700 });
    const user = await f.user();
    await assert.rejects(
      f.access.grant(user, 'p1'),
      /cannot pass through .*closed .*backup storage's path/,
    );
  },
);
