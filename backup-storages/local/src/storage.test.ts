// The local storage against the backup storage conformance suite, in a temporary directory.

import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
