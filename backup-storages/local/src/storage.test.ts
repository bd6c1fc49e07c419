// The local storage against the backup storage conformance suite, in a temporary directory, and
// the modes it writes with (what a project's ACL lets its other guests do).

import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { runBackupStorageConformance } from '@cellar/plugin-api/testing/backup-storage';
import driver, { LocalBackupStorage } from './storage.js';

const partSize = 5 * 1024 * 1024;

runBackupStorageConformance({
  name: 'local',
  harness: async () => {
    const root = await mkdtemp(join(tmpdir(), 'cellar-local-storage-'));
    const storage = (await driver.open({
      path: join(root, 'backups'),
      fsync: true,
    })) as LocalBackupStorage;
    return {
      storage,
      partSize,
      secrets: [],
      async openRefused() {
        // A file where the directory should be: the storage cannot write below it.
        const blocked = join(root, 'not-a-directory');
        await writeFile(blocked, '');
        return driver.open({ path: blocked, fsync: true });
      },
      async corrupt(location) {
        const file = join(storage.root, location.slice('local:'.length));
        const handle = await open(file, 'r+');
        try {
          const byte = Buffer.alloc(1);
          await handle.read(byte, 0, 1, 1000);
          byte[0] = (byte[0] ?? 0) ^ 0xff;
          await handle.write(byte, 0, 1, 1000);
        } finally {
          await handle.close();
        }
      },
      leftovers: (project) => storage.files(project),
      dispose: () => rm(root, { recursive: true, force: true }),
    };
  },
});

test('objects are written 0640 in directories 0750, under the project directory hostDirectory names', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-local-storage-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  // The modes asked for, whatever umask the guest runs with (a default ACL ignores umask too).
  const umask = process.umask(0);
  t.after(() => process.umask(umask));
  const storage = (await driver.open({
    path: join(root, 'backups'),
    fsync: false,
  })) as LocalBackupStorage;
  const stored = await storage.put(Readable.from([Buffer.from('data')]), {
    project: 'p1',
    key: 'instance-1/backup-1',
  });
  const dir = storage.hostDirectory('p1');
  assert.equal(dir, join(root, 'backups', 'p1'));
  assert.equal((await stat(join(dir, 'instance-1'))).mode & 0o777, 0o750);
  assert.equal((await stat(join(dir, 'instance-1', 'backup-1'))).mode & 0o777, 0o640);
  assert.equal(stored.location, 'local:p1/instance-1/backup-1');
  assert.throws(() => storage.hostDirectory('../p2'));
});

test('purge removes the objects under the prefix and the temporary files a crashed put left, and nothing else', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-local-storage-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const storage = (await driver.open({
    path: join(root, 'backups'),
    fsync: false,
  })) as LocalBackupStorage;
  const put = (key: string) =>
    storage.put(Readable.from([Buffer.from('data')]), { project: 'p1', key });
  await put('i1/b1');
  await put('i1/b2');
  // What a guest killed in the middle of a put leaves: its hidden temporary file.
  await writeFile(
    join(storage.hostDirectory('p1'), 'i1', '.b1.0b6f5a34-2f1e-4c38-9d1e-6a3c1f2b9e7d.part'),
    'half',
  );
  assert.deepEqual((await storage.list('p1', 'i1/b1')).length, 1, 'list() shows the object alone');
  await storage.purge('p1', 'i1/b1');
  assert.deepEqual(await storage.files('p1'), [join('i1', 'b2')]);
  await storage.purge('p1', 'i1/');
  assert.deepEqual(
    await readdir(storage.hostDirectory('p1')),
    [],
    'the emptied directory went too',
  );
});

test("deleting an instance's last object removes its emptied directory, and keeps the project's", async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-local-storage-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const storage = (await driver.open({
    path: join(root, 'backups'),
    fsync: false,
  })) as LocalBackupStorage;
  const put = (key: string) =>
    storage.put(Readable.from([Buffer.from('data')]), { project: 'p1', key });
  const first = await put('i1/b1');
  const second = await put('i1/b2');
  const other = await put('i2/b1');
  await storage.delete(first.location);
  assert.deepEqual((await readdir(storage.hostDirectory('p1'))).sort(), ['i1', 'i2']);
  await storage.delete(second.location);
  // A directory left behind would be owned by the instance's OS user after it is gone.
  assert.deepEqual(await readdir(storage.hostDirectory('p1')), ['i2']);
  await storage.delete(other.location);
  assert.deepEqual(await readdir(storage.hostDirectory('p1')), []);
  // A put after the pruning makes its directory again.
  await put('i1/b3');
  assert.deepEqual(await storage.files('p1'), [join('i1', 'b3')]);
});
