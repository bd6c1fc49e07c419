import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StandbyContext } from '../define.js';
import type { GuestContext } from '../manager/base-datastore-manager.js';
import { initialiseAhead, takeFromStandby } from './standby-directory.js';

const quiet = (): void => undefined;
const cluster = { name: 'data.initdb', madeWith: '/usr/lib/postgresql/15/bin' };

function managerContext(
  dir: string,
  done: Promise<void>,
  warnings: string[],
): GuestContext<unknown> {
  return {
    standby: { dir, done },
    log: {
      debug: quiet,
      info: quiet,
      warn: (message: string) => warnings.push(message),
      error: quiet,
    },
  } as unknown as GuestContext<unknown>;
}

test('a standby data directory made by the same binaries, as the directory owner, is renamed into staging', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-standby-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const work = join(dir, 'standby');
  await mkdir(work);
  // As root, the initialiser runs as the directory's owner: never root.
  const owner = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  if (owner) await chown(work, owner.uid, owner.gid);
  const context = {
    dir: work,
    signal: new AbortController().signal,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  } as StandbyContext;
  const seen: string[] = [];
  await initialiseAhead(
    context,
    cluster,
    async (dataDir, spawning) => {
      assert.deepEqual(spawning, { home: work, ...(owner ? { user: owner } : {}) });
      seen.push(await readFile(join(work, 'made-with'), 'utf8'));
      seen.push(String(existsSync(join(work, 'made-by'))));
      await mkdir(dataDir);
      await writeFile(join(dataDir, 'PG_VERSION'), '15\n');
    },
    () => new Error('refused'),
  );
  assert.deepEqual(seen, [cluster.madeWith, 'false'], 'made-with first, made-by only once whole');
  const staging = join(dir, 'vol-data');
  const warnings: string[] = [];
  const took = await takeFromStandby(
    managerContext(work, Promise.resolve(), warnings),
    cluster,
    staging,
    {
      fields: {},
      otherwise: 'running initdb',
    },
  );
  assert.equal(took, true);
  assert.equal(await readFile(join(staging, 'PG_VERSION'), 'utf8'), '15\n');
  assert.deepEqual(warnings, []);
});

test('a standby data directory of other binaries is not waited for; one never finished is not taken', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-standby-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'made-with'), '/usr/lib/postgresql/16/bin');
  const never = new Promise<void>(() => undefined);
  const warnings: string[] = [];
  const log = { fields: {}, otherwise: 'running initdb' };
  assert.equal(
    await takeFromStandby(managerContext(dir, never, warnings), cluster, join(dir, 'x'), log),
    false,
  );
  await writeFile(join(dir, 'made-with'), cluster.madeWith);
  assert.equal(
    await takeFromStandby(
      managerContext(dir, Promise.resolve(), warnings),
      cluster,
      join(dir, 'x'),
      log,
    ),
    false,
  );
  assert.deepEqual(warnings, ['the standby agent left no usable data directory; running initdb']);
  assert.equal(existsSync(join(dir, 'x')), false);
});

test('a standby data directory on another filesystem than the volume is copied into staging, modes kept', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-standby-'));
  const elsewhere = await mkdtemp('/dev/shm/cellar-standby-');
  t.after(() => rm(dir, { recursive: true, force: true }));
  t.after(() => rm(elsewhere, { recursive: true, force: true }));
  if ((await stat(dir)).dev === (await stat(elsewhere)).dev)
    return t.skip(`${tmpdir()} and /dev/shm are one filesystem here: a rename would do`);
  const data = join(elsewhere, cluster.name);
  await mkdir(join(data, 'base'), { recursive: true, mode: 0o700 });
  await writeFile(join(data, 'base', 'PG_VERSION'), '15\n', { mode: 0o600 });
  await writeFile(join(elsewhere, 'made-by'), cluster.madeWith);
  const staging = join(dir, 'vol-data');
  const warnings: string[] = [];
  const log = { fields: {}, otherwise: 'running initdb' };
  const context = managerContext(elsewhere, Promise.resolve(), warnings);
  assert.equal(await takeFromStandby(context, cluster, staging, log), true);
  assert.deepEqual(warnings, []);
  assert.equal(await readFile(join(staging, 'base', 'PG_VERSION'), 'utf8'), '15\n');
  assert.equal((await stat(join(staging, 'base'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(staging, 'base', 'PG_VERSION'))).mode & 0o777, 0o600);
  assert.equal(existsSync(data), false, "the standby's copy is removed");
});
