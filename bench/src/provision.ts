// bench/provision: how long a PostgreSQL instance with a database and a user takes through Cellar
// (POST /instances until that user's first successful query at the instance's address) beside a
// bare PostgreSQL initialised and started the way the guest does it (initdb with the guest's flags,
// postgres started directly, as an unprivileged OS user, same kind of directory, the same user
// and database made with the guest's statements, until the same first query), alternating in one
// run.
// Prints both medians and the difference, Cellar's overhead; exits 1 above 500 ms.
//
// Cellar's standby agent runs initdb before a create arrives, so a single create pays only for
// the server's start. A burst of creates at once (--burst, 3) outruns the standbys (--standbys,
// [local] standby_agents, 1): the others run initdb themselves. The bench prints the slowest of a
// burst beside the slowest of as many bare ones at once, so both cases are seen.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, signIn, startTestControlPlane, type ApiSession } from '@cellar/server/testing';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    target: { type: 'string', default: '500' },
    burst: { type: 'string', default: '3' },
    standbys: { type: 'string', default: '1' },
  },
});
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const PASSWORD = 'Bench-Secret-1';

const major = readdirSync('/usr/lib/postgresql')
  .filter((m) => existsSync(`/usr/lib/postgresql/${m}/bin/postgres`))
  .sort((a, b) => Number(b) - Number(a))[0];
if (major === undefined)
  throw new Error('PostgreSQL is not installed (scripts/install-debian-packages postgresql)');
const bin = `/usr/lib/postgresql/${major}/bin`;

/** Polls a first query as a client would, every 5 ms. */
async function firstQuery(
  host: string,
  port: number,
  user: string,
  database: string,
): Promise<void> {
  for (;;) {
    const client = new pg.Client({
      host,
      port,
      user,
      database,
      password: PASSWORD,
      connectionTimeoutMillis: 2000,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      await sleep(5);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Waits until the server takes connections on its socket, polled as the guest polls it. */
async function ready(dir: string, port: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ host: dir, port, user: 'os_admin', database: 'postgres' });
    try {
      await client.connect();
      return;
    } catch {
      await sleep(10);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * As root, a system user of the bench's own for the bare servers, made as the local compute
 * driver makes each instance's (PostgreSQL refuses to run as root); this process's user otherwise.
 */
async function bareUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const name = `cellar-bench-${randomBytes(4).toString('hex')}`;
  await run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** initdb and a postgres started directly, with the flags the guest uses, until a TCP client gets in. */
async function bare(parent: string, user: OsUser | undefined): Promise<number> {
  const dir = await mkdtemp(join(parent, 'bare-'));
  if (user) await chown(dir, user.uid, user.gid);
  const as = {
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  };
  const port = await freePort();
  const data = join(dir, 'data');
  const started = performance.now();
  // The guest's initdb: datastores/postgresql/src/guest.ts.
  await run(
    `${bin}/initdb`,
    [
      '-D',
      data,
      '--username=os_admin',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ],
    as,
  );
  const server = spawn(
    `${bin}/postgres`,
    ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    { ...as, stdio: 'ignore' },
  );
  // What the guest's prepare asks of PostgreSQL for the same request: the user and its database.
  await ready(dir, port);
  const admin = new pg.Client({ host: dir, port, user: 'os_admin', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query('CREATE DATABASE app');
  await admin.query('REVOKE CONNECT, TEMPORARY ON DATABASE app FROM PUBLIC');
  await admin.query('GRANT ALL PRIVILEGES ON DATABASE app TO app');
  await admin.end();
  const inApp = new pg.Client({ host: dir, port, user: 'os_admin', database: 'app' });
  await inApp.connect();
  await inApp.query('GRANT ALL ON SCHEMA public TO app');
  await inApp.end();
  // The same first query as for Cellar: the user over TCP.
  await firstQuery('127.0.0.1', port, 'app', 'app');
  const elapsed = performance.now() - started;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGINT');
  await exited;
  await rm(dir, { recursive: true, force: true });
  return elapsed;
}

/** POST /instances to the first query as the user the create made, over TCP at the instance's address. */
async function throughCellar(api: ApiSession, n: number): Promise<number> {
  const started = performance.now();
  const created = (
    await api.call('POST', '/instances', {
      instance: {
        name: `bench-${n}`,
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version: major },
        databases: [{ name: 'app' }],
        users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'app' }] }],
      },
    })
  ).json['instance'] as { id: string };
  // Every 20 ms: soon enough to see ACTIVE, rarely enough not to load the control plane (and
  // the machine) that is doing the create.
  const shown = await api.untilInstance(
    created.id,
    (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
    'ACTIVE',
    600,
    20,
  );
  if (shown['status'] === 'ERROR')
    throw new Error(`instance ${created.id} failed: ${JSON.stringify(shown['fault'])}`);
  const address = (shown['ip'] as string[] | undefined)?.[0];
  await firstQuery(address ?? '', 5432, 'app', 'app');
  const elapsed = performance.now() - started;
  await api.call('DELETE', `/instances/${created.id}`);
  await api.untilInstance(created.id, (i) => 'gone' in i, 'deleted', 10, 25);
  return elapsed;
}

async function main(): Promise<number> {
  const running = await startTestControlPlane(repoRoot, [
    'identity.bootstrap_password=bench-secret',
    'local.report_interval=1',
    'DEFAULT.http_get_rate=1000000',
    'DEFAULT.http_post_rate=1000000',
    'DEFAULT.max_instances_per_tenant=100',
    `local.standby_agents=${args.standbys}`,
  ]);
  const parent = await mkdtemp(join(tmpdir(), 'cellar-bench-bare-'));
  await chmod(parent, 0o711);
  let bareAs: OsUser | undefined;
  try {
    bareAs = await bareUser();
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');

    const cellar = (n: number): Promise<number> => throughCellar(api, n);

    // One of each first, unmeasured: the page cache and the guest artifact's copy.
    await bare(parent, bareAs);
    await cellar(0);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 1; i <= Number(args.runs); i++) {
      theirs.push(await bare(parent, bareAs));
      ours.push(await cellar(i));
    }
    const o = median(ours);
    const t = median(theirs);
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `PostgreSQL ${major}: from nothing to a client's first query, ${args.runs} runs each, alternating`,
    );
    console.log(
      `  cellar (POST /instances, guest, start, database and user; initdb ahead)  median ${o.toFixed(0)} ms   [${fmt(ours)}]`,
    );
    console.log(
      `  bare initdb, postgres, database and user, the guest's way                median ${t.toFixed(0)} ms   [${fmt(theirs)}]`,
    );
    const paired = median(ours.map((x, i) => x - (theirs[i] ?? NaN)));
    console.log(
      `  Cellar's overhead: ${(o - t).toFixed(0)} ms, the difference of the medians (target <= ${args.target} ms); median of the paired differences ${paired.toFixed(0)} ms; cellar/bare ${(o / t).toFixed(2)}`,
    );

    // A burst, after the standby has had time to get ready again.
    const burst = Number(args.burst);
    if (burst > 1) {
      await sleep(5000);
      const ourBurst = await Promise.all(Array.from({ length: burst }, (_, k) => cellar(100 + k)));
      const theirBurst = await Promise.all(
        Array.from({ length: burst }, () => bare(parent, bareAs)),
      );
      console.log(
        `  ${burst} at once, the slowest: cellar ${Math.max(...ourBurst).toFixed(0)} ms [${fmt(ourBurst)}], bare ${Math.max(...theirBurst).toFixed(0)} ms [${fmt(theirBurst)}]`,
      );
    }
    return o - t <= Number(args.target) ? 0 : 1;
  } finally {
    await rm(parent, { recursive: true, force: true });
    await running.close();
    if (bareAs) await run('userdel', [bareAs.name]);
  }
}

process.exitCode = await main();
