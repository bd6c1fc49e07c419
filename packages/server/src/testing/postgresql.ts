// Starts a private PostgreSQL for tests and benchmarks: initdb into its own directory (on tmpfs
// when there is one), the server on a free loopback port as the unprivileged postgres user,
// password authentication, stopped by PID.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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

/** A private directory for one server, with the superuser's password file, owned by its user. */
interface ServerDirectory {
  readonly dir: string;
  readonly password: string;
  /** Root runs the server as the postgres user, which PostgreSQL requires. */
  readonly asRoot: boolean;
}

async function makeServerDirectory(): Promise<ServerDirectory> {
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cellar-pg-'));
  const password = randomBytes(12).toString('hex');
  await writeFile(join(dir, 'pwfile'), `${password}\n`);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    await chown(dir, uid, gid);
    await chown(join(dir, 'pwfile'), uid, gid);
  }
  return { dir, password, asRoot };
}

/** The command line that runs a PostgreSQL program as the server's user. */
function asServerUser(
  { asRoot }: ServerDirectory,
  command: string,
  args: readonly string[],
): [string, ...string[]] {
  return asRoot
    ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]
    : [command, ...args];
}

const serverEnv = (dir: string): NodeJS.ProcessEnv => ({
  PATH: '/usr/bin:/bin',
  LANG: 'C.UTF-8',
  HOME: dir,
});

function initCluster(bin: string, server: ServerDirectory): void {
  const { dir } = server;
  const [command, ...args] = asServerUser(server, join(bin, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-U',
    'cellar',
    `--pwfile=${join(dir, 'pwfile')}`,
    '-A',
    'scram-sha-256',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(command, args, { env: serverEnv(dir), cwd: '/', stdio: 'pipe' });
}

/** The postmaster on loopback only, its socket in the private directory, without fsync. */
function spawnPostmaster(bin: string, server: ServerDirectory, port: number): ChildProcess {
  const { dir } = server;
  const [command, ...args] = asServerUser(server, join(bin, 'postgres'), [
    '-D',
    join(dir, 'data'),
    '-k',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  return spawn(command, args, {
    env: serverEnv(dir),
    cwd: '/',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Creates the cellar database once the server accepts connections; false if it never does. */
async function createDatabaseWhenReady(adminUrl: string, server: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && server.exitCode === null) {
    const client = new pg.Client({ connectionString: adminUrl });
    try {
      await client.connect();
      await client.query('CREATE DATABASE cellar');
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  if (bin === undefined)
    throw new Error(
      'PostgreSQL is not installed: scripts/test installs it (scripts/install-debian-packages postgresql)',
    );
  const directory = await makeServerDirectory();
  const { dir, password } = directory;
  initCluster(bin, directory);
  const port = await freePort();
  const server = spawnPostmaster(bin, directory, port);
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: clients may still be connected.
    await stopChildProcess(server, 'SIGINT', 15_000);
    await rm(dir, { recursive: true, force: true });
  };
  const admin = `postgresql://cellar:${password}@127.0.0.1:${port}/postgres`;
  if (await createDatabaseWhenReady(admin, server)) {
    return {
      url: `postgresql://cellar:${password}@127.0.0.1:${port}/cellar`,
      pid: server.pid ?? -1,
      stop,
    };
  }
  await stop();
  throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${log}`);
}
