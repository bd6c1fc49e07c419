// Starts a private PostgreSQL for tests and benchmarks: initdb into its own directory (on tmpfs
// when there is one), the server on a free loopback port as the unprivileged postgres user,
// password authentication, stopped by PID.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stopChildProcess } from '@cellar/rpc/testing';
import { freePort } from './control-plane.js';

export interface PostgresServer {
  /** postgresql://cellar:<password>@127.0.0.1:<port>/cellar */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The newest PostgreSQL major installed the Debian way, or undefined. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter(
    (d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')),
  );
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  if (bin === undefined)
    throw new Error(
      'PostgreSQL is not installed: scripts/test installs it (scripts/install-debian-packages postgresql)',
    );
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cellar-pg-'));
  const password = randomBytes(12).toString('hex');
  await writeFile(join(dir, 'pwfile'), `${password}\n`);
  const ids = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
      }
    : undefined;
  if (ids) {
    await chown(dir, ids.uid, ids.gid);
    await chown(join(dir, 'pwfile'), ids.uid, ids.gid);
  }
  const data = join(dir, 'data');
  const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir };
  const run = (command: string, args: string[]): string[] =>
    asRoot
      ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]
      : [command, ...args];
  const [initCmd, ...initArgs] = run(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'cellar',
    `--pwfile=${join(dir, 'pwfile')}`,
    '-A',
    'scram-sha-256',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd ?? '', initArgs, { env, cwd: '/', stdio: 'pipe' });
  const port = await freePort();
  const [cmd, ...args] = run(join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const server = spawn(cmd ?? '', args, { env, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: clients may still be connected.
    await stopChildProcess(server, 'SIGINT', 15_000);
    await rm(dir, { recursive: true, force: true });
  };
  const admin = `postgresql://cellar:${password}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && server.exitCode === null) {
    const client = new pg.Client({ connectionString: admin });
    try {
      await client.connect();
      await client.query('CREATE DATABASE cellar');
      await client.end();
      return {
        url: `postgresql://cellar:${password}@127.0.0.1:${port}/cellar`,
        pid: server.pid ?? -1,
        stop,
      };
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${log}`);
}
