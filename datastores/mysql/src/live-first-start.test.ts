// The first start on a real MariaDB when its init file did not remove the initialiser's accounts
// (the server only logs what goes wrong there, and starts): the prepare refuses the instance.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { readPid } from '@cellar/plugin-api/processes';
import { ServerProcess } from './server-process.js';
import { liveInstance, whyNoServer } from './testing/live-server.js';

const noServer = whyNoServer();

test(
  'a first start whose init file left root or anonymous accounts fails the prepare naming them',
  { skip: noServer },
  async (t) => {
    const server = await liveInstance();
    t.after(() => server.dispose());
    const { start } = Object.getOwnPropertyDescriptors(ServerProcess.prototype);
    // The statement that removes the initialiser's accounts removes none; the rest of the file runs.
    t.mock.method(
      ServerProcess.prototype,
      'start',
      function (this: ServerProcess, ...args: Parameters<ServerProcess['start']>) {
        const [spawning, installed, initSql] = args;
        const broken = initSql?.replace(/WHERE User IN/, 'WHERE FALSE AND User IN');
        return (start?.value as ServerProcess['start']).call(this, spawning, installed, broken);
      },
    );
    await assert.rejects(
      server.manager.prepare({ memoryMb: 512, databases: [], users: [] }),
      (error: unknown) =>
        isCellarError(error) &&
        error.code === 'CELLAR_GUEST_PREPARE_FAILED' &&
        /root@localhost/.test(error.message),
    );
    assert.equal(existsSync(join(server.mountPoint, 'cellar-admin.cnf')), false);
    assert.equal(readPid(join(server.runDir, 'mysqld.pid')), undefined, 'the server was stopped');
  },
);
