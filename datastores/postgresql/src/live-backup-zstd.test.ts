// A full backup whose pg_basebackup writes straight into the agent's zstd: it restores its rows,
// and a pg_basebackup killed mid-stream fails the backup with its own reason, leaving no process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { childrenOf, commandLine } from '@cellar/plugin-api/processes';
import { quietLog } from '@cellar/plugin-api/testing';
import backupStrategy from './backup.js';
import { asUser, waitFor } from './testing/live-client.js';
import { backupBench, SOURCE_ID } from './testing/backup-harness.js';
import { liveInstance, whyNoPostgres } from './testing/live-server.js';

const noPostgres = whyNoPostgres();
const ZSTD = '/usr/bin/zstd';
const PASSWORD = 'alice-Secret-1';

/** The pids of this process's children whose command line names `tool`. */
async function running(tool: string): Promise<number[]> {
  const pids = await childrenOf(process.pid);
  const lines = await Promise.all(pids.map((pid) => commandLine(pid).catch(() => '')));
  return pids.filter((_, i) => lines[i]?.includes(tool));
}

test(
  'a full backup written into zstd by pg_basebackup restores exactly its rows',
  { skip: noPostgres },
  async (t) => {
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
    await asUser(server, 'alice', PASSWORD, 'shop', 'CREATE TABLE t (id int PRIMARY KEY)');
    await asUser(server, 'alice', PASSWORD, 'shop', 'INSERT INTO t SELECT generate_series(1, 120)');
    const full = await bench.pipedBackup(server.manager, ZSTD);
    assert.equal(full.meta?.kind, 'full');
    const target = await bench.restoredInstance(full);
    t.after(() => target.dispose());
    await target.manager.prepare({ memoryMb: 256, databases: [], users: [], backupInfo: full });
    const rows = await asUser(
      target,
      'alice',
      PASSWORD,
      'shop',
      'SELECT count(*)::int AS n FROM t',
    );
    assert.deepEqual(rows, [{ n: 120 }]);
  },
);

test(
  'a pg_basebackup killed while writing into zstd fails the backup and leaves no process',
  { skip: noPostgres },
  async (t) => {
    const bench = await backupBench();
    const server = await liveInstance({ guestId: SOURCE_ID });
    t.after(async () => {
      await server.dispose();
      await bench.dispose();
    });
    await server.manager.prepare({ memoryMb: 256, databases: [], users: [] });
    const zstd = spawn(ZSTD, ['-q', '-3', '-c'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const source = await backupStrategy.backup({
      ...{ manager: server.manager, backup: { id: 'killed', instanceId: SOURCE_ID } },
      ...{ workDir: bench.dir, objects: bench.objects, log: quietLog },
      signal: new AbortController().signal,
      compressInto: { stdin: zstd.stdin, compressed: zstd.stdout },
    });
    zstd.stdin.destroy();
    // The agent no longer reads pg_basebackup's output: zstd does, into a reader that waits.
    zstd.stdout.pause();
    const [tool] = await running('pg_basebackup');
    assert.ok(tool !== undefined, 'pg_basebackup is writing into zstd');
    process.kill(tool, 'SIGKILL');
    zstd.stdout.resume();
    await assert.rejects(source.done, /pg_basebackup exited with SIGKILL/);
    await waitFor(async () => (await running('pg_basebackup')).length === 0);
    await waitFor(async () => zstd.exitCode !== null);
    assert.deepEqual(await running(ZSTD), []);
  },
);
