// bench/backup: backup and restore throughput of a PostgreSQL instance holding --size-mb of data
// (default 1 GB), through Cellar (POST /backups to COMPLETED; a create with restorePoint to
// ACTIVE) beside the bare tools doing the same to the same storage in the same run: pg_basebackup
// piped through zstd into the local storage's directory, and zstd | tar into a data directory
// started until it accepts connections. Each side runs --runs times, alternating; exits 1 when
// Cellar takes more than --target times the bare time either way.
//
// The bare runs use what Cellar's own strategy uses (the instance's OS user, its socket, the
// admin role, -Ft -X fetch -c fast, zstd -3), so the difference is what Cellar adds: the guest's
// stream, its SHA-256, the storage's put and the control plane's bookkeeping. Both restores of
// the full backup are crash recovery from its backup_label, as PostgreSQL starts any such copy.
// --trace prints, per restore, the create's steps, the guest's log phases and the bare split.

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { signIn, startTestControlPlane, type ApiSession } from '@cellar/server/testing';
import { printRestoreTrace } from './backup/trace.js';
import { bareBackup, bareRestore, dataBytes, loadData } from './backup/bare.js';
import { createInstance, median, postmasterOf } from './pg-instance.js';

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    target: { type: 'string', default: '1.3' },
    trace: { type: 'boolean', default: false },
  },
});
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const POLL_MS = 20;

/** POST /backups, then GET it until it is COMPLETED; the seconds from the 202. */
async function cellarBackup(
  api: ApiSession,
  instance: string,
  n: number,
): Promise<[number, string]> {
  const started = performance.now();
  const answer = await api.call('POST', '/backups', { backup: { name: `bench-${n}`, instance } });
  const id = (answer.json['backup'] as { id?: string } | undefined)?.id;
  if (answer.status !== 202 || id === undefined)
    throw new Error(`backup answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  for (;;) {
    const shown = (await api.call('GET', `/backups/${id}`)).json['backup'] as Record<
      string,
      unknown
    >;
    if (shown['status'] === 'COMPLETED') return [(performance.now() - started) / 1000, id];
    if (shown['status'] === 'FAILED') throw new Error(`backup failed: ${JSON.stringify(shown)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A create restoring the backup, until ACTIVE; the seconds from the request. Deleted after. */
async function cellarRestore(api: ApiSession, backup: string, n: number): Promise<number> {
  const started = performance.now();
  const wallStart = Date.now();
  const id = await createInstance(api, `bench-restored-${n}`, {
    volume: { size: 5 },
    restorePoint: { backupRef: backup },
  });
  const seconds = (performance.now() - started) / 1000;
  if (args.trace) {
    console.log(`    cellar restore ${n}: ACTIVE at ${seconds.toFixed(2)} s`);
    await printRestoreTrace(api, id, wallStart);
  }
  await api.call('DELETE', `/instances/${id}`);
  await api.untilInstance(id, (i) => 'gone' in i, 'deleted', 120, 100);
  return seconds;
}

function report(what: string, mb: number, ours: number[], theirs: number[]): number {
  const o = median(ours);
  const t = median(theirs);
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
  console.log(`  ${what}`);
  console.log(`    cellar  median ${o.toFixed(1)} s  ${(mb / o).toFixed(0)} MB/s   [${fmt(ours)}]`);
  console.log(
    `    bare    median ${t.toFixed(1)} s  ${(mb / t).toFixed(0)} MB/s   [${fmt(theirs)}]`,
  );
  console.log(`    cellar/bare ${(o / t).toFixed(2)} (target <= ${args.target})`);
  return o / t;
}

async function main(): Promise<number> {
  await exec('zstd', ['--version']).catch(() => {
    throw new Error('zstd is not installed (Debian package zstd): the bare runs pipe through it');
  });
  const storage = await mkdtemp(join(tmpdir(), 'cellar-bench-backups-'));
  // As root, guests run as users of their own, who pass through to their project's directory.
  await chmod(storage, 0o711);
  const running = await startTestControlPlane(repoRoot, [
    'identity.bootstrap_password=bench-secret',
    'DEFAULT.http_get_rate=1000000',
    'DEFAULT.http_post_rate=1000000',
    'DEFAULT.backup_storage=local',
    `backup_storage_local.path=${storage}`,
  ]);
  try {
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');
    const id = await createInstance(api, 'bench-backup', {
      volume: { size: 5 },
      databases: [{ name: 'bench' }],
    });
    const server = await postmasterOf(id);
    await loadData(server, Number(args['size-mb']));
    const mb = (await dataBytes(server.dataDir)) / 1e6;
    console.log(
      `PostgreSQL: ${mb.toFixed(0)} MB data directory, ${args.runs} runs each, alternating`,
    );
    const backups = { ours: [] as number[], theirs: [] as number[] };
    const restores = { ours: [] as number[], theirs: [] as number[] };
    for (let n = 0; n < Number(args.runs); n++) {
      const bare = await bareBackup(server, storage, n);
      backups.theirs.push(bare.seconds);
      const [seconds, backup] = await cellarBackup(api, id, n);
      backups.ours.push(seconds);
      restores.theirs.push(await bareRestore(server, bare.file, args.trace));
      restores.ours.push(await cellarRestore(api, backup, n));
      await rm(bare.file, { force: true });
    }
    const worst = Math.max(
      report(
        'backup (request to COMPLETED; pg_basebackup | zstd > file)',
        mb,
        backups.ours,
        backups.theirs,
      ),
      report(
        'restore (create to ACTIVE; zstd -d | tar -x, then start)',
        mb,
        restores.ours,
        restores.theirs,
      ),
    );
    return worst <= Number(args.target) ? 0 : 1;
  } finally {
    await running.close();
    await rm(storage, { recursive: true, force: true });
  }
}

process.exitCode = await main();
