// The bare side of bench/backup, run as the instance's own OS user on its own binaries: the data
// loaded with psql, pg_basebackup piped through zstd into a file, and that file extracted with
// zstd and tar into a fresh data directory started until ready.

import { execFile, spawn } from 'node:child_process';
import { appendFile, chown, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { alive, readyIn, until, type Postmaster } from '../pg-instance.js';

const exec = promisify(execFile);

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** The port and socket directory the instance's server listens on, from its postmaster.pid. */
async function socketOf(server: Postmaster): Promise<{ port: string; socketDir: string }> {
  const lines = (await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  return { port: lines[3]?.trim() ?? '5432', socketDir: lines[4]?.trim() ?? '' };
}

/** A bash pipeline as the data directory's owner, with the server's binaries first on PATH. */
async function asOwner(server: Postmaster, script: string): Promise<void> {
  const owner = await stat(server.dataDir);
  const child = spawn('bash', ['-c', `set -euo pipefail; ${script}`], {
    cwd: '/',
    env: { PATH: `${server.bin}:/usr/bin:/bin`, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`${script}\nexited ${status}: ${stderr.trim()}`);
}

/** A directory of the owner's beside `near`, for the bare runs' files. */
async function ownedDir(near: string, owner: Owner, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(near, prefix));
  if (process.getuid?.() === 0) await chown(dir, owner.uid, owner.gid);
  return dir;
}

/**
 * Fills a table in the `bench` database until it holds about `mb` megabytes, and answers the
 * database's size in bytes as PostgreSQL counts it.
 */
export async function loadData(server: Postmaster, mb: number): Promise<number> {
  const { port, socketDir } = await socketOf(server);
  // ~200 bytes a row with its index entry.
  const rows = Math.round((mb * 1e6) / 200);
  const sql = [
    'CREATE TABLE t (id bigint PRIMARY KEY, a text, b text)',
    `INSERT INTO t SELECT g, md5(g::text), repeat(md5((g * 31)::text), 3) FROM generate_series(1, ${rows}) g`,
  ];
  const commands = sql.map((s) => `-c "${s}"`).join(' ');
  const psql = `psql -X -q -h ${socketDir} -p ${port} -U os_admin -d bench`;
  await asOwner(server, `${psql} ${commands}`);
  const sizeFile = join(await ownedDir(tmpdir(), await stat(server.dataDir), 'cbs-'), 'size');
  await asOwner(server, `${psql} -tA -c "SELECT pg_database_size('bench')" > ${sizeFile}`);
  const size = Number(await readFile(sizeFile, 'utf8'));
  await rm(dirname(sizeFile), { recursive: true, force: true });
  return size;
}

export async function dataBytes(dir: string): Promise<number> {
  const { stdout } = await exec('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

/** pg_basebackup as Cellar's strategy runs it, through zstd into a flushed file in the storage directory. */
export async function bareBackup(
  server: Postmaster,
  storage: string,
  n: number,
): Promise<{ seconds: number; file: string }> {
  const { port, socketDir } = await socketOf(server);
  const dir = await ownedDir(storage, await stat(server.dataDir), 'bare-');
  const file = join(dir, `bare-${n}.tar.zst`);
  const started = performance.now();
  await asOwner(
    server,
    // Flushed, file and directory, as the local storage flushes every object (fsync = true)
    // before the backup is COMPLETED: an unflushed file is not yet a backup.
    `pg_basebackup -h ${socketDir} -p ${port} -U os_admin -D - -Ft -X fetch -c fast | zstd -q -3 -T0 > ${file}; sync ${file} ${dir}`,
  );
  return { seconds: (performance.now() - started) / 1000, file };
}

/** The file extracted into a fresh data directory beside the instance's, started until ready. */
export async function bareRestore(
  server: Postmaster,
  file: string,
  trace = false,
): Promise<number> {
  const owner = await stat(server.dataDir);
  const dir = await ownedDir(dirname(server.dataDir), owner, 'bare-restore-');
  const data = join(dir, 'data');
  const started = performance.now();
  await asOwner(server, `mkdir -m 700 ${data}; zstd -dc ${file} | tar -xf - -C ${data}`);
  const extracted = (performance.now() - started) / 1000;
  // Its own socket and no TCP, archive off: the copy must not reach the instance it came from.
  // A socket path must stay under 108 bytes: a short directory of the owner's in /tmp.
  const socketDir = await ownedDir(tmpdir(), owner, 'cbr-');
  await appendFile(
    join(data, 'postgresql.auto.conf'),
    `\nport = 5432\nlisten_addresses = ''\nunix_socket_directories = '${socketDir}'\narchive_mode = off\n`,
  );
  const log = await open(join(dir, 'server.log'), 'w');
  const child = spawn(join(server.bin, 'postgres'), ['-D', data], {
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    stdio: ['ignore', log.fd, log.fd],
    ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  child.on('error', () => undefined);
  const pid = child.pid ?? -1;
  try {
    await until('the restored server to be ready or gone', async () => {
      return !alive(pid) || (await readyIn(data, pid));
    });
    if (!alive(pid)) {
      const tail = (await readFile(join(dir, 'server.log'), 'utf8')).slice(-2000);
      throw new Error(`the restored server stopped; its log ends:\n${tail}`);
    }
    const seconds = (performance.now() - started) / 1000;
    if (trace)
      console.log(
        `    bare restore: extracted at ${extracted.toFixed(2)} s, ready at ${seconds.toFixed(2)} s`,
      );
    return seconds;
  } finally {
    await log.close();
    if (alive(pid)) process.kill(pid, 'SIGINT');
    await until('the restored server to stop', () => !alive(pid));
    await rm(dir, { recursive: true, force: true });
    await rm(socketDir, { recursive: true, force: true });
  }
}
