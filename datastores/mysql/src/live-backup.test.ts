// Backups of a real MariaDB with the mariabackup strategies: a full backup and an incremental on
// it, each restored into a new instance through prepare, which then has exactly that backup's rows.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackupInfo } from '@cellar/plugin-api';
import { BackupFiles } from './testing/backup-files.js';
import { asUser, canLogIn } from './testing/live-client.js';
import { liveInstance, whyNoServer, type LiveServer } from './testing/live-server.js';
import { findTool } from './backup-tools.js';

const noTools = ((): string | undefined => {
  try {
    findTool('mariabackup');
    findTool('mbstream');
    return whyNoServer();
  } catch (error) {
    return (error as Error).message;
  }
})();

const ALICE = 'alice-Secret-1';
const ROOT = 'root-Secret-1';

/** The rows of shop.t as a tenant reads them: how many, the last id, and the table's checksum. */
async function rows(server: LiveServer): Promise<{ n: number; top: number; sum: string }> {
  const [count] = await asUser(
    server,
    'alice',
    ALICE,
    'SELECT COUNT(*) AS n, MAX(id) AS top FROM t',
    'shop',
  );
  const [checksum] = await asUser(server, 'alice', ALICE, 'CHECKSUM TABLE t', 'shop');
  return {
    n: Number(count?.['n']),
    top: Number(count?.['top']),
    sum: String(checksum?.['Checksum']),
  };
}

/** A new instance made from a backup by prepare, with a database and a user of its own. */
async function restored(files: BackupFiles, info: BackupInfo): Promise<LiveServer> {
  const server = await liveInstance(undefined, files.restore);
  await server.manager.prepare({
    memoryMb: 512,
    databases: [{ name: 'extra' }],
    users: [{ name: 'bob', password: 'bob-Secret-1', databases: [{ name: 'extra' }] }],
    rootPassword: 'not-the-restored-one',
    backupInfo: info,
  });
  return server;
}

test(
  'a full backup and an incremental on it each restore into a new instance with exactly their rows',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const source = await liveInstance();
    t.after(() => source.dispose());
    await source.manager.prepare({
      memoryMb: 512,
      databases: [{ name: 'shop' }],
      users: [{ name: 'alice', password: ALICE, databases: [{ name: 'shop' }] }],
      rootPassword: ROOT,
    });
    // Pages flushed at once: the incremental starts from the full backup's checkpoint.
    await asUser(source, 'root', ROOT, 'SET GLOBAL innodb_max_dirty_pages_pct = 0');
    const write = (from: number, to: number): Promise<unknown> =>
      asUser(
        source,
        'alice',
        ALICE,
        `INSERT INTO t SELECT seq, MD5(seq) FROM seq_${from}_to_${to}`,
        'shop',
      );
    await asUser(source, 'alice', ALICE, 'CREATE TABLE t (id INT PRIMARY KEY, v CHAR(32))', 'shop');
    await write(1, 1000);
    const first = await rows(source);
    const full = await files.take(source.manager, 'full-1');
    await write(1001, 1500);
    const second = await rows(source);
    const incremental = await files.take(source.manager, 'inc-1', full);

    assert.equal(full.meta?.['backup_type'], 'full-backuped');
    assert.equal(incremental.meta?.['backup_type'], 'incremental');
    assert.equal(incremental.meta?.['from_lsn'], full.meta?.['to_lsn'], 'the chain links up');
    assert.ok(
      statSync(files.fileOf('inc-1')).size < statSync(files.fileOf('full-1')).size,
      'the incremental holds only the pages changed since the full backup',
    );

    // The backup account's password is only in a file private to the server's user.
    const cnf = statSync(join(source.mountPoint, 'cellar-backup.cnf'));
    assert.deepEqual([cnf.mode & 0o777, cnf.uid], [0o400, source.uid]);

    const fromFull = await restored(files, full);
    t.after(() => fromFull.dispose());
    const data = statSync(join(fromFull.mountPoint, 'data', 'shop', 't.ibd'));
    assert.equal(data.uid, fromFull.uid, "the restored data belongs to the instance's OS user");
    assert.deepEqual(await rows(fromFull), first);
    assert.deepEqual(first, { n: 1000, top: 1000, sum: first.sum });

    const fromChain = await restored(files, incremental);
    t.after(() => fromChain.dispose());
    assert.deepEqual(await rows(fromChain), second);
    assert.equal(second.n, 1500);

    // The restored root is the source's; prepare's own databases and users are there too.
    assert.ok(await canLogIn(fromChain, 'root', ROOT));
    assert.equal(await canLogIn(fromChain, 'root', 'not-the-restored-one'), false);
    assert.ok(await canLogIn(fromChain, 'bob', 'bob-Secret-1'));
    const names = (await fromChain.manager.listUsers({})).items.map((u) => u.name);
    assert.deepEqual(names, ['alice', 'bob'], 'os_admin and os_backup stay hidden');
    // The guest administers the restored server, and its backup account is this instance's.
    const again = await files.take(fromChain.manager, 'of-restored');
    assert.equal(again.meta?.['backup_type'], 'full-backuped');
  },
);
