// Root's FILE privilege on a real MariaDB: it reads and writes files only in the instance's own
// directory for them, never the host's files nor the volume's markers and settings.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { asUser } from './testing/live-client.js';
import { liveInstance, whyNoServer } from './testing/live-server.js';

const noServer = whyNoServer();
const ROOT_PASSWORD = 'root-Secret-1';

test(
  'root reads no host file and writes no file outside the volume files directory',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    await server.manager.prepare({ memoryMb: 512, databases: [], users: [] });
    await server.manager.enableRootWithPassword(ROOT_PASSWORD);
    const asRoot = (sql: string): Promise<Record<string, unknown>[]> =>
      asUser(server, 'root', ROOT_PASSWORD, sql);
    assert.deepEqual(await asRoot("SELECT LOAD_FILE('/etc/hostname') AS f"), [{ f: null }]);
    const marker = join(server.mountPoint, 'cellar-stopped');
    await assert.rejects(asRoot(`SELECT 'stopped' INTO OUTFILE '${marker}'`), {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
    });
    assert.equal(existsSync(marker), false, 'root wrote the stopped marker');
    // The directory meant for them still takes an export and gives it back.
    const files = join(server.mountPoint, 'files');
    assert.equal(statSync(files).mode & 0o777, 0o700);
    assert.equal(statSync(files).uid, server.uid);
    await asRoot(`SELECT 'exported' INTO OUTFILE '${join(files, 'out.txt')}'`);
    assert.deepEqual(await asRoot(`SELECT LOAD_FILE('${join(files, 'out.txt')}') AS f`), [
      { f: Buffer.from('exported\n') },
    ]);
  },
);
