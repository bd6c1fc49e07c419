// Backups of a real server through the pg_basebackup strategies: a full and an incremental each
// restore exactly the rows of their moment; a gap, a refused connection and an abort fail them.
import assert from 'node:assert/strict';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { childrenOf, commandLine } from '@cellar/plugin-api/processes';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from './backup.js';
import restoreStrategy from './restore.js';
import { asUser, waitFor } from './testing/live-client.js';
import { backupBench, SOURCE_ID, type BackupBench } from './testing/backup-harness.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';
import { archivedPath, localArchive, RECOVERY_CONF } from './wal-archive.js';

const noPostgres = whyNoPostgres();
const PASSWORD = 'alice-Secret-1';

const asAlice = (server: LiveServer, sql: string): Promise<Record<string, unknown>[]> =>
  asUser(server, 'alice', PASSWORD, 'shop', sql);

/** A prepared source instance with table t, and a bench, both removed after the test. */
async function source(t: TestContext): Promise<{ server: LiveServer; bench: BackupBench }> {
  const bench = await backupBench();
  const server = await liveInstance({ guestId: SOURCE_ID });
  t.after(async () => {
    await server.dispose();
    await bench.dispose();
  });
  await server.manager.prepare({
    memoryMb: 256,
    databases: [{ name: 'shop' }],
    users: [{ name: 'alice', password: PASSWORD, databases: [{ name: 'shop' }] }],
  });
  await asAlice(server, 'CREATE TABLE t (id int PRIMARY KEY)');
  return { server, bench };
}

/** Restores `backup` into a new instance and answers how many rows of t it has, and the highest. */
async function restoredRows(
  t: TestContext,
  bench: BackupBench,
  backup: Parameters<BackupBench['restoredInstance']>[0],
): Promise<{ rows: number; recovering: boolean }> {
  const target = await bench.restoredInstance(backup);
  t.after(() => target.dispose());
  await target.manager.prepare({
    memoryMb: 256,
    databases: [],
    users: [{ name: 'bob', password: 'bob-Secret-2', databases: [{ name: 'shop' }] }],
    backupInfo: backup,
  });
  const [row] = await asAlice(
    target,
    'SELECT count(*)::int AS rows, pg_is_in_recovery() AS recovering FROM t',
  );
  // The request's users are made as on any prepare; the recovery settings are gone.
  await asUser(target, 'bob', 'bob-Secret-2', 'shop', 'SELECT 1');
  await assert.rejects(access(join(target.mountPoint, 'data', RECOVERY_CONF)), /ENOENT/);
  await assert.rejects(access(join(target.mountPoint, 'restore-wal')), /ENOENT/);
  await target.dispose();
  return row as { rows: number; recovering: boolean };
}

test(
  'a full backup and an incremental on it each restore exactly their rows',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(1, 100)');
    const full = await bench.backup(server.manager);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(101, 250)');
    const incremental = await bench.backup(server.manager, full);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(251, 300)');
    assert.equal(full.meta?.kind, 'full');
    assert.ok(Array.isArray(incremental.meta?.segments) && incremental.meta.segments.length > 0);
    assert.deepEqual(await restoredRows(t, bench, full), { rows: 100, recovering: false });
    assert.deepEqual(await restoredRows(t, bench, incremental), { rows: 250, recovering: false });
  },
);

/** Writes a row and closes the WAL segment; answers the segment's name. */
async function closeSegment(server: LiveServer, id: number): Promise<string> {
  await asAlice(server, `INSERT INTO t VALUES (${id})`);
  const { rows } = await server.manager.backupHost.sql.query<{ file: string }>(
    'SELECT pg_walfile_name(pg_switch_wal()) AS file',
  );
  return rows[0]?.file ?? '';
}

/** Waits until the server has archived `segment` (kept or not, as its archive_command decides). */
async function archived(server: LiveServer, segment: string): Promise<void> {
  const { sql } = server.manager.backupHost;
  await waitFor(async () => {
    const { rows } = await sql.query<{ last: string | null }>(
      'SELECT last_archived_wal AS last FROM pg_stat_archiver',
    );
    return (rows[0]?.last ?? '') >= segment;
  });
}

test(
  'an instance never backed up keeps no archived WAL, and one backed up keeps what follows',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    const { archiveDir } = server.manager.backupHost.files;
    const before = await closeSegment(server, 1);
    await archived(server, before);
    assert.deepEqual(await localArchive(archiveDir), []);
    await bench.backup(server.manager);
    const after = await closeSegment(server, 2);
    await archived(server, after);
    assert.ok((await localArchive(archiveDir)).includes(after));
  },
);

test(
  'a full backup removes the locally archived WAL from before its start',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    const { archiveDir } = server.manager.backupHost.files;
    await bench.backup(server.manager);
    const closed = [await closeSegment(server, 1), await closeSegment(server, 2)];
    await archived(server, closed[1] ?? '');
    assert.ok((await localArchive(archiveDir)).includes(closed[0] ?? ''));
    const full = await bench.backup(server.manager);
    const start = full.meta?.startSegment;
    assert.ok(typeof start === 'string' && start > (closed[1] ?? ''));
    assert.deepEqual(
      (await localArchive(archiveDir)).filter((name) => name.slice(0, 24) < start),
      [],
    );
  },
);

test(
  'an incremental over a gap in the WAL archive fails naming the missing segment',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    const full = await bench.backup(server.manager);
    const lost = await closeSegment(server, 1);
    await archived(server, await closeSegment(server, 2));
    await rm(archivedPath(server.manager.backupHost.files.archiveDir, lost));
    await assert.rejects(bench.backup(server.manager, full), (error: Error) => {
      assert.match(error.message, new RegExp(`gap: segment ${lost} is missing`));
      return true;
    });
  },
);

test(
  "a refused replication connection fails the backup with pg_basebackup's own error",
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    const hba = join(server.mountPoint, 'data', 'pg_hba.conf');
    const rules = (await readFile(hba, 'utf8')).split('\n');
    await writeFile(hba, rules.filter((line) => !line.includes('replication')).join('\n'));
    await server.manager.backupHost.sql.query('SELECT pg_reload_conf()');
    await assert.rejects(bench.backup(server.manager), (error: Error) => {
      assert.match(
        error.message,
        /pg_basebackup exited with status 1: .*no pg_hba\.conf entry for replication connection/,
      );
      return true;
    });
  },
);

/** The pg_basebackup processes this test process runs. */
async function runningTools(): Promise<number[]> {
  const pids = await childrenOf(process.pid);
  const lines = await Promise.all(pids.map((pid) => commandLine(pid).catch(() => '')));
  return pids.filter((_, i) => lines[i]?.includes('pg_basebackup'));
}

test(
  'a backup aborted mid-stream rejects its end and leaves no pg_basebackup running',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(1, 20000)');
    const abort = new AbortController();
    const backup = { id: 'aborted', instanceId: SOURCE_ID };
    const { manager } = server;
    const run = { manager, backup, workDir: bench.dir, objects: bench.objects, log: quietLog };
    const taken = await backupStrategy.backup({ ...run, signal: abort.signal });
    let running: number[] | undefined;
    let slots: number | undefined;
    const slotCount = async (): Promise<number> =>
      (await manager.backupHost.sql.query('SELECT 1 FROM pg_replication_slots')).rowCount ?? 0;
    try {
      for await (const chunk of taken.stream) {
        assert.ok(Buffer.isBuffer(chunk));
        running ??= await runningTools();
        slots ??= await slotCount();
        abort.abort(new Error('over its time budget'));
      }
    } catch {
      // The stream may end or fail once its producer is gone: done says which.
    }
    assert.equal(running?.length, 1, 'pg_basebackup was streaming when the backup was aborted');
    await assert.rejects(taken.done, /pg_basebackup was stopped: over its time budget/);
    assert.deepEqual(await runningTools(), []);
    const senders = async (): Promise<boolean> =>
      (await manager.backupHost.sql.query('SELECT 1 FROM pg_stat_replication')).rowCount === 0;
    await waitFor(senders);
    // The slot that kept the backup's WAL went with the backup.
    assert.equal(slots, 1);
    await waitFor(async () => (await slotCount()) === 0);
  },
);

test(
  'a restore whose backup fails its checksum at the end leaves no data directory',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    const full = await bench.backup(server.manager);
    const [piece] = bench.chain(full);
    assert.ok(piece);
    const mismatch = new Error('the SHA-256 of the stored backup differs from the recorded one');
    const corrupt = {
      backup: full,
      open: async () =>
        Readable.from(
          (async function* () {
            yield* await piece.open();
            throw mismatch;
          })(),
        ),
    };
    const target = await liveInstance();
    t.after(() => target.dispose());
    const restoring = restoreStrategy.restore({
      manager: target.manager,
      chain: [corrupt],
      workDir: bench.dir,
      objects: bench.objects,
      signal: new AbortController().signal,
      log: quietLog,
    });
    await assert.rejects(restoring, (error) => error === mismatch);
    for (const dir of ['data', 'data.restore', 'restore-wal'])
      await assert.rejects(access(join(target.mountPoint, dir)), /ENOENT/);
  },
);

/** The restored instance's rows of t and the timeline it writes WAL on, read before it goes. */
async function rowsAndTimeline(
  t: TestContext,
  bench: BackupBench,
  backup: Parameters<BackupBench['restoredInstance']>[0],
): Promise<{ rows: number; timeline: string }> {
  const target = await bench.restoredInstance(backup);
  t.after(() => target.dispose());
  await target.manager.prepare({ memoryMb: 256, databases: [], users: [], backupInfo: backup });
  const [row] = await asAlice(target, 'SELECT count(*)::int AS rows FROM t');
  const { rows } = await target.manager.backupHost.sql.query<{ timeline: string }>(
    'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS timeline',
  );
  await target.dispose();
  return { rows: Number(row?.['rows']), timeline: rows[0]?.timeline ?? '' };
}

test(
  'a full backup alone restores by crash recovery on its own timeline; an incremental promotes to a new one',
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(1, 100)');
    const full = await bench.backup(server.manager);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(101, 250)');
    const incremental = await bench.backup(server.manager, full);
    assert.deepEqual(await rowsAndTimeline(t, bench, full), { rows: 100, timeline: '00000001' });
    assert.deepEqual(await rowsAndTimeline(t, bench, incremental), {
      rows: 250,
      timeline: '00000002',
    });
  },
);

test(
  "a restore whose pieces write tar's input themselves restores their rows",
  { skip: noPostgres },
  async (t) => {
    const { server, bench } = await source(t);
    await asAlice(server, 'INSERT INTO t SELECT generate_series(1, 100)');
    const full = await bench.backup(server.manager);
    const [piece] = bench.chain(full);
    assert.ok(piece);
    let piped = 0;
    const writing = {
      ...piece,
      pipeTo: async (stdin: Writable) => {
        piped++;
        await pipeline(await piece.open(), stdin);
      },
    };
    const target = await liveInstance();
    t.after(() => target.dispose());
    await restoreStrategy.restore({
      manager: target.manager,
      chain: [writing],
      workDir: bench.dir,
      objects: bench.objects,
      signal: new AbortController().signal,
      log: quietLog,
    });
    await target.manager.prepare({ memoryMb: 256, databases: [], users: [] });
    assert.deepEqual(await asAlice(target, 'SELECT count(*)::int AS rows FROM t'), [{ rows: 100 }]);
    assert.equal(piped, 1);
  },
);
