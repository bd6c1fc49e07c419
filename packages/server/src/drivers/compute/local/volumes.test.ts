// The local driver's volumes on real loop mounts (as root only): a full volume refuses writes at
// its size, grows offline with its data kept, and leaves nothing mounted once removed.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  isMounted,
  LocalVolumes,
  mountsUnder,
  unmount,
  volumeImage,
  volumeMount,
} from './volumes.js';

const skip = process.getuid?.() === 0 ? false : 'only root mounts filesystems';
const MB = 1024 * 1024;

/** A temporary instance directory with its volume/ mount point, unmounted and removed after the test. */
async function instanceDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-volume-'));
  await mkdir(volumeMount(dir), { mode: 0o700 });
  t.after(async () => {
    for (const path of (await mountsUnder(dir)).reverse()) await unmount(path);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes 1 MB pieces into `file` until the filesystem refuses one; answers the error code. */
async function fill(file: string, limitMb: number): Promise<string | undefined> {
  const piece = Buffer.alloc(MB, 7);
  for (let i = 0; i < limitMb; i++) {
    try {
      await writeFile(file, piece, { flag: 'a' });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code;
    }
  }
  return undefined;
}

const quiet = { warn: () => undefined };

test(
  'a volume holds writes to its size, grows offline with its data kept, and is removed unmounted',
  { skip },
  async (t) => {
    const dir = await instanceDir(t);
    const volumes = new LocalVolumes(true, quiet);
    const made = await volumes.create(dir, undefined, 1);
    assert.deepEqual(made, { sizeGb: 1, enforced: true });
    assert.ok(await isMounted(volumeMount(dir)), 'the image is mounted at volume/');

    await writeFile(join(volumeMount(dir), 'kept'), 'earlier data');
    assert.equal(
      await fill(join(volumeMount(dir), 'big'), 1100),
      'ENOSPC',
      'a full volume refuses writes',
    );
    await rm(join(volumeMount(dir), 'big'));

    const grown = await volumes.grow(dir, made, 2);
    assert.deepEqual(grown, { sizeGb: 2, enforced: true });
    assert.ok(await isMounted(volumeMount(dir)), 'mounted again after growing');
    assert.equal(await readFile(join(volumeMount(dir), 'kept'), 'utf8'), 'earlier data');
    assert.equal(await fill(join(volumeMount(dir), 'big'), 1500), undefined, '1.5 GB now fit');
    assert.equal((await mountsUnder(volumeMount(dir))).length, 1, 'mounted once');

    await volumes.remove(dir);
    assert.equal(await isMounted(volumeMount(dir)), false);
    assert.equal(existsSync(volumeImage(dir)), false, 'the image is removed');
  },
);

test(
  'mounting again is idempotent, and orphan volumes of unknown instances are unmounted',
  { skip },
  async (t) => {
    const instances = await instanceDir(t);
    const volumes = new LocalVolumes(true, quiet);
    const known = join(instances, 'known');
    const orphan = join(instances, 'orphan');
    for (const dir of [known, orphan]) {
      await mkdir(volumeMount(dir), { recursive: true });
      assert.equal((await volumes.create(dir, undefined, 1))?.enforced, true);
    }
    await volumes.mount(known, { sizeGb: 1, enforced: true });
    assert.equal((await mountsUnder(volumeMount(known))).length, 1, 'not mounted twice');

    await volumes.removeOrphans(instances, new Set(['known']));
    assert.equal(
      await isMounted(volumeMount(orphan)),
      false,
      "the unknown instance's volume is gone",
    );
    assert.equal(existsSync(volumeImage(orphan)), false);
    assert.equal(await isMounted(volumeMount(known)), true, "the known instance's volume stays");
  },
);

test(
  'an unmount waits while a file is open on the volume, and names what holds it',
  { skip },
  async (t) => {
    const dir = await instanceDir(t);
    const volumes = new LocalVolumes(true, quiet);
    await volumes.create(dir, undefined, 1);
    const { open } = await import('node:fs/promises');
    const held = await open(join(volumeMount(dir), 'held'), 'w');
    await assert.rejects(unmount(volumeMount(dir), 300), /could not be unmounted: .*busy/is);
    assert.ok(await isMounted(volumeMount(dir)), 'still mounted, never lazily');
    await held.close();
    await volumes.remove(dir);
    assert.equal(await isMounted(volumeMount(dir)), false);
  },
);

test('without root, a volume is a plain directory and that is said once', async () => {
  const told: string[] = [];
  const volumes = new LocalVolumes(false, { warn: (_f, m) => told.push(m) });
  assert.deepEqual(await volumes.create('/nonexistent', undefined, 3), {
    sizeGb: 3,
    enforced: false,
  });
  assert.deepEqual(await volumes.create('/nonexistent', undefined, 1), {
    sizeGb: 1,
    enforced: false,
  });
  assert.equal(told.length, 1);
  assert.match(told[0] ?? '', /NOT enforced/);
  assert.equal(await volumes.create('/nonexistent', undefined, undefined), undefined);
});
