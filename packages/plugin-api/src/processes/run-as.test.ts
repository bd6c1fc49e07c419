import assert from 'node:assert/strict';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDirProblem, spawningAsOwner, spawnOptions, writeOwned } from './run-as.js';

test('spawnOptions: a clean environment with HOME and PATH, cwd /, and the OS user', () => {
  const options = spawnOptions({ home: '/srv/run', user: { uid: 123, gid: 456 } }, '/usr/bin');
  assert.deepEqual(options, {
    cwd: '/',
    env: { PATH: '/usr/bin', LANG: 'C.UTF-8', HOME: '/srv/run' },
    uid: 123,
    gid: 456,
  });
  assert.equal(spawnOptions({ home: '/' }).env.PATH, '/usr/local/bin:/usr/bin:/bin');
});

test('spawningAsOwner: as root, the directory owner runs the server; a root-owned one is refused', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to own a directory as another user');
  const dir = await mkdtemp(join(tmpdir(), 'cellar-owner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(
    spawningAsOwner(dir, '/run/x', () => new Error('refused')),
    /^Error: refused$/,
  );
  const volume = join(dir, 'vol');
  await mkdir(volume);
  await chown(volume, 65534, 65534);
  assert.deepEqual(await spawningAsOwner(volume, '/run/x', () => new Error('refused')), {
    home: '/run/x',
    user: { uid: 65534, gid: 65534 },
  });
});

test('writeOwned replaces a file whole, private and owned by the user, leaving no temporary', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-owned-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cellar.conf');
  await writeFile(file, 'an old and much longer content\n');
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  await writeOwned(file, 'port = 5432\n', user);
  assert.equal(await readFile(file, 'utf8'), 'port = 5432\n');
  const info = await stat(file);
  assert.equal(info.mode & 0o777, 0o600);
  if (user) assert.equal(info.uid, user.uid);
  assert.deepEqual(await readdir(dir), ['cellar.conf']);
});

test('runDirProblem: a socket path too long for sun_path, a directory others enter or own, else none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o700);
  const socket = join(dir, 'server.sock');
  assert.equal(await runDirProblem(dir, socket, undefined), undefined);
  const long = join(dir, 'x'.repeat(120));
  assert.equal(
    await runDirProblem(dir, long, undefined),
    `the socket path ${long} is longer than 107 bytes; use a shorter run directory.`,
  );
  assert.equal(
    await runDirProblem(dir, socket, { uid: 65534, gid: 65534 }),
    `the run directory ${dir} must belong to the server's OS user (uid 65534).`,
  );
  await chmod(dir, 0o755);
  assert.equal(
    await runDirProblem(dir, socket, undefined),
    `the run directory ${dir} must be private to the guest's OS user (mode 0700).`,
  );
});
