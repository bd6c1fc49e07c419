// mariabackup backups that fail, and restores that must: a missing privilege, a cancelled or killed
// tool each reject the backup naming why and leave no process; a cut or corrupt stream fails the restore.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isCellarError, type BackupInfo } from '@cellar/plugin-api';
import { commandLine, readProcesses } from '@cellar/plugin-api/processes';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from './backup.js';
import { findTool } from './backup-tools.js';
import restoreStrategy from './restore.js';
import { BackupFiles, noObjects } from './testing/backup-files.js';
import { asUser } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';

const noTools = ((): string | undefined => {
  try {
    findTool('mariabackup');
    findTool('mbstream');
    return whyNoServer();
  } catch (error) {
    return (error as Error).message;
  }
})();

const ROOT = 'root-Secret-1';

/** The backup tools still running on an instance's files (the server itself is not one). */
async function toolsLeft(server: LiveServer): Promise<number[]> {
  const left: number[] = [];
  for (const pid of (await readProcesses()).keys()) {
    const command = await commandLine(pid);
    if (command.includes(server.mountPoint) && /mariabackup|mbstream/.test(command)) left.push(pid);
  }
  return left;
}

/** A backup whose stream is read until `onData` has seen its first bytes; both outcomes. */
async function interrupted(
  server: LiveServer,
  onData: (controller: AbortController, stream: Readable) => Promise<void>,
): Promise<PromiseSettledResult<unknown>[]> {
  const controller = new AbortController();
  const source = await backupStrategy.backup({
    manager: server.manager,
    backup: { id: 'interrupted', type: 'mariabackup' },
    workDir: server.standbyDir,
    objects: noObjects,
    signal: controller.signal,
    log: quietLog,
  });
  source.stream.once('data', () => void onData(controller, source.stream));
  const read = (async () => {
    for await (const chunk of source.stream) void chunk;
  })();
  return Promise.allSettled([read, source.done]);
}

/** The real uid a process runs as, from /proc. */
const uidOf = (pid: number): number =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const reason = (result: PromiseSettledResult<unknown> | undefined): string =>
  result?.status === 'rejected' ? (result.reason as Error).message : 'fulfilled';

describe('failed mariabackup backups and restores', { skip: noTools }, () => {
  let files: BackupFiles;
  let source: LiveServer;
  let full: BackupInfo;

  before(async () => {
    files = await BackupFiles.create();
    source = await liveInstance();
    await source.manager.prepare({ memoryMb: 512, databases: [], users: [], rootPassword: ROOT });
    full = await files.take(source.manager, 'full-1');
  });
  after(async () => {
    await source?.dispose();
    await files?.dispose();
  });

  it('a backup account without RELOAD rejects the backup naming the privilege, no process left', async () => {
    await asUser(source, 'root', ROOT, "REVOKE RELOAD ON *.* FROM 'os_backup'@'localhost'");
    try {
      await assert.rejects(
        files.take(source.manager, 'no-reload'),
        /^Error: mariabackup exited with status 1: .*missing required privilege RELOAD on \*\.\*/,
      );
      assert.deepEqual(await toolsLeft(source), []);
    } finally {
      await asUser(source, 'root', ROOT, "GRANT RELOAD ON *.* TO 'os_backup'@'localhost'");
    }
  });

  it('a cancelled backup ends mariabackup at once, fails its stream and rejects done', async () => {
    const [read, done] = await interrupted(source, async (controller) => {
      controller.abort(new Error('over its time budget'));
    });
    assert.equal(reason(read), 'the backup was cancelled: over its time budget');
    assert.equal(reason(done), 'the backup was cancelled: over its time budget');
    assert.deepEqual(await toolsLeft(source), []);
  });

  it('a mariabackup killed mid-stream rejects done even though its stream ended', async () => {
    const uids: number[] = [];
    const [read, done] = await interrupted(source, async () => {
      for (const pid of await toolsLeft(source)) {
        uids.push(uidOf(pid));
        process.kill(pid, 'SIGKILL');
      }
    });
    assert.deepEqual(uids, [source.uid], "one mariabackup, run as the instance's OS user");
    assert.equal(read?.status, 'fulfilled', 'the stream itself looked complete');
    assert.match(reason(done), /^mariabackup was killed by SIGKILL: /);
    assert.deepEqual(await toolsLeft(source), []);
  });

  it('a reader that gives up mid-stream (its storage failed) leaves no mariabackup running', async () => {
    const [read, done] = await interrupted(source, async (_controller, stream) => {
      stream.destroy(new Error('the storage refused'));
    });
    assert.equal(reason(read), 'the storage refused');
    assert.match(reason(done), /^mariabackup (was killed by SIGKILL|exited with status \d+): /);
    assert.deepEqual(await toolsLeft(source), []);
  });

  it('a stream cut short fails the restoring prepare, leaving no data directory', async (t) => {
    const size = (await readFile(files.fileOf(full.id))).length;
    const cut = await files.cut(full, 'full-cut', Math.floor(size / 2));
    const target = await liveInstance(undefined, files.restore);
    t.after(() => target.dispose());
    await assert.rejects(
      target.manager.prepare({ memoryMb: 512, databases: [], users: [], backupInfo: cut }),
      (error: unknown) =>
        isCellarError(error) &&
        /backup full-cut: mbstream exited with status 1: .*my_read\(\) failed/.test(error.message),
    );
    assert.equal(existsSync(join(target.mountPoint, 'data')), false);
    assert.equal(existsSync(join(target.mountPoint, 'data.restore')), false);
    assert.deepEqual(await toolsLeft(target), []);
  });

  it('a stream that errors at its end (a checksum mismatch) fails the restore with that error', async (t) => {
    const target = await liveInstance();
    t.after(() => target.dispose());
    const bytes = await readFile(files.fileOf(full.id));
    const mismatch = new Error('CELLAR_BACKUP_CHECKSUM_MISMATCH: full-1');
    const corrupt = async function* (): AsyncGenerator<Buffer> {
      yield bytes;
      throw mismatch;
    };
    await assert.rejects(
      restoreStrategy.restore({
        manager: target.manager,
        chain: [{ backup: full, open: async () => Readable.from(corrupt()) }],
        workDir: target.standbyDir,
        objects: noObjects,
        signal: new AbortController().signal,
        log: quietLog,
      }),
      (error: unknown) => error === mismatch,
    );
    assert.equal(existsSync(join(target.mountPoint, 'data')), false);
    assert.deepEqual(await toolsLeft(target), []);
  });
});
