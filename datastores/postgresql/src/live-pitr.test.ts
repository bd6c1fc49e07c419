// Point-in-time recovery on a real server: with wal_archiving the guest ships its WAL to the
// storage, a restore to a time between two writes has exactly the rows before it, a time outside
// the recoverable window is refused naming it, and a segment lost before shipping is a gap.
import assert from 'node:assert/strict';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BackupInfo } from '@cellar/plugin-api';
import { asUser, waitFor } from './testing/live-client.js';
import { backupBench, SOURCE_ID, type BackupBench } from './testing/backup-harness.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';
import { archivedPath, localArchive } from './wal-archive.js';
import { fullBackupFacts, recoverableWindow, walPrefix } from './wal-objects.js';
import type { WalShipper } from './wal-shipper.js';

const noPostgres = whyNoPostgres();
const PASSWORD = 'alice-Secret-1';

const asAlice = (server: LiveServer, sql: string): Promise<Record<string, unknown>[]> =>
  asUser(server, 'alice', PASSWORD, 'shop', sql);

interface Archiving {
  readonly server: LiveServer;
  readonly bench: BackupBench;
  readonly shipper: WalShipper;
}

/** A source instance shipping its WAL; its shipper is driven by the test, not its timer. */
async function archivingSource(t: TestContext): Promise<Archiving> {
  const bench = await backupBench();
  const server = await liveInstance({
    guestId: SOURCE_ID,
    backupObjects: bench.objects,
    options: { wal_archiving: true },
  });
  t.after(async () => {
    await server.manager.backupHost.shipper?.stop();
    await server.dispose();
    await bench.dispose();
  });
  await server.manager.prepare({
    memoryMb: 256,
    databases: [{ name: 'shop' }],
    users: [{ name: 'alice', password: PASSWORD, databases: [{ name: 'shop' }] }],
  });
  const shipper = server.manager.backupHost.shipper;
  assert.ok(shipper, 'wal_archiving with a backup storage runs a shipper');
  await shipper.stop();
  await asAlice(server, 'CREATE TABLE t (id int PRIMARY KEY, at timestamptz DEFAULT now())');
  return { server, bench, shipper };
}

/** Writes a row, closes the segment and waits until archive_command has archived it. */
async function closeSegment(server: LiveServer, id: number): Promise<string> {
  const { sql, files } = server.manager.backupHost;
  await asAlice(server, `INSERT INTO t (id) VALUES (${id})`);
  const { rows } = await sql.query<{ file: string }>(
    'SELECT pg_walfile_name(pg_switch_wal()) AS file',
  );
  const file = rows[0]?.file ?? '';
  await waitFor(() =>
    access(archivedPath(files.archiveDir, file)).then(
      () => true,
      () => false,
    ),
  );
  return file;
}

const now = async (server: LiveServer): Promise<string> => {
  const [row] = await asAlice(server, "SELECT to_json(clock_timestamp()) #>> '{}' AS at");
  return String(row?.at);
};

async function restoredCount(
  t: TestContext,
  bench: BackupBench,
  backup: BackupInfo,
): Promise<number> {
  const target = await bench.restoredInstance(backup);
  t.after(() => target.dispose());
  await target.manager.prepare({ memoryMb: 256, databases: [], users: [], backupInfo: backup });
  const [row] = await asAlice(target, 'SELECT count(*)::int AS n FROM t');
  return Number(row?.n);
}

test(
  'a restore to a time between two writes has exactly the rows written before it',
  { skip: noPostgres },
  async (t) => {
    const { server, bench, shipper } = await archivingSource(t);
    const full = await bench.backup(server.manager);
    await asAlice(server, 'INSERT INTO t (id) SELECT generate_series(1, 10)');
    await asAlice(server, 'INSERT INTO t (id) SELECT generate_series(11, 30)');
    const target = await now(server);
    // The rows after the target must be committed measurably later than it.
    await waitFor(async () => Date.parse(await now(server)) > Date.parse(target) + 20);
    await asAlice(server, 'INSERT INTO t (id) SELECT generate_series(31, 70)');
    await closeSegment(server, 71);
    await shipper.shipNow();
    assert.deepEqual(await localArchive(server.manager.backupHost.files.archiveDir), []);
    assert.deepEqual(shipper.status().gaps, []);
    assert.equal(await restoredCount(t, bench, { ...full, restoreTime: target }), 30);

    const listed = await bench.objects.list(walPrefix(SOURCE_ID));
    const facts = fullBackupFacts(full.meta);
    assert.ok(facts);
    const window = recoverableWindow(listed, [facts]);
    assert.equal(window.spans.length, 1);
    assert.equal(window.spans[0]?.earliest, facts.stopTime);
    assert.ok((window.spans[0]?.latest ?? '') > new Date(Date.parse(target)).toISOString());
  },
);

test(
  'a restore to a time outside the recoverable window is refused naming the window',
  { skip: noPostgres },
  async (t) => {
    const { server, bench, shipper } = await archivingSource(t);
    const full = await bench.backup(server.manager);
    await closeSegment(server, 1);
    await shipper.shipNow();
    const stopTime = full.meta?.stopTime;
    assert.ok(typeof stopTime === 'string');
    for (const restoreTime of [
      new Date(Date.parse(stopTime) - 3_600_000).toISOString(),
      new Date(Date.now() + 3_600_000).toISOString(),
    ]) {
      const backup = { ...full, restoreTime };
      const target = await bench.restoredInstance(backup);
      t.after(() => target.dispose());
      await assert.rejects(
        target.manager.prepare({ memoryMb: 256, databases: [], users: [], backupInfo: backup }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(`the recoverable window from this backup is ${stopTime} to`),
          );
          return true;
        },
      );
      await assert.rejects(access(join(target.mountPoint, 'data')), /ENOENT/);
    }
  },
);

test(
  'an incremental takes the WAL the shipper already moved to the storage',
  { skip: noPostgres },
  async (t) => {
    const { server, bench, shipper } = await archivingSource(t);
    await asAlice(server, 'INSERT INTO t (id) SELECT generate_series(1, 10)');
    const full = await bench.backup(server.manager);
    await closeSegment(server, 11);
    await shipper.shipNow();
    assert.deepEqual(await localArchive(server.manager.backupHost.files.archiveDir), []);
    const incremental = await bench.backup(server.manager, full);
    await asAlice(server, 'INSERT INTO t (id) VALUES (12)');
    assert.equal(await restoredCount(t, bench, incremental), 11);
  },
);

test(
  'a WAL segment lost before it was shipped is reported as a gap',
  { skip: noPostgres },
  async (t) => {
    const { server, bench, shipper } = await archivingSource(t);
    const full = await bench.backup(server.manager);
    await closeSegment(server, 1);
    await shipper.shipNow();
    const lost = await closeSegment(server, 2);
    await rm(archivedPath(server.manager.backupHost.files.archiveDir, lost));
    await closeSegment(server, 3);
    await shipper.shipNow();
    assert.deepEqual(server.manager.walShippingStatus()?.gaps, [lost]);
    const facts = fullBackupFacts(full.meta);
    assert.ok(facts);
    const window = recoverableWindow(await bench.objects.list(walPrefix(SOURCE_ID)), [facts]);
    assert.deepEqual(window.gaps, [lost]);
  },
);
