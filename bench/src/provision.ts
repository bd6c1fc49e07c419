// bench/provision: for each datastore with a guest half and its server installed, how long an
// instance with a user (and a database where it has them) takes through Cellar (POST /instances
// until that user's first successful query at the instance's address) beside a bare server
// initialised and started the guest's way (as an unprivileged OS user, same kind of directory,
// the same user made, until the same first query), alternating in one run. Then a burst of
// creates at once beside as many bare starts at once. A datastore that cannot be measured here
// is skipped with the reason. Exits 1 when a measured datastore misses its target:
// PostgreSQL and MariaDB at most half the bare time (the standby initialises ahead); Redis and
// memcached within 100 ms of bare.
//
// The per-datastore halves are in provision/<datastore>.ts: a bare start and a first query.

import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freePort, signIn, startTestControlPlane, type ApiSession } from '@cellar/server/testing';
import { offered, quiet, standbysReady, throughCellar, type Offer } from './provision/cellar.js';
import {
  bareUser,
  fmt,
  median,
  missingBinaries,
  PASSWORD,
  run,
  type OsUser,
  type ProvisionEntry,
} from './provision/common.js';
import { mariadb } from './provision/mariadb.js';
import { memcached } from './provision/memcached.js';
import { postgresql } from './provision/postgresql.js';
import { redis } from './provision/redis.js';

const entries: readonly ProvisionEntry[] = [postgresql, mariadb, redis, memcached];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    burst: { type: 'string', default: '10' },
    standbys: { type: 'string', default: '1' },
    datastore: { type: 'string', multiple: true },
    // A deployment root with a third-party datastore installed (memcached): its control plane.
    'app-root': { type: 'string', default: fileURLToPath(new URL('../../', import.meta.url)) },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const appRoot = args['app-root'];
const USAGE = `usage: node bench/dist/provision.js [options]
  --runs N          alternating single runs per datastore (5)
  --burst N         creates at once beside as many bare starts at once (10; 1 skips it)
  --standbys N      local.standby_agents of the bench's control plane (1)
  --datastore NAME  only this datastore (postgresql, mysql, redis, memcached); repeatable
  --app-root DIR    the deployment root whose datastores are measured (this repository);
                    memcached is measured only from a deployment that installed its package
Runs as root to start the bare servers as an unprivileged OS user of its own, as the guest does.`;

/** Where the local driver keeps the guests' work (instances, standbys): above its instances. */
const guestHome = (plane: { statePath: string; instancesPath?: string }): string =>
  plane.instancesPath === undefined ? plane.statePath : dirname(plane.instancesPath);

/** A bare start the guest's way until the user's first query, then stopped and removed. */
async function bare(entry: ProvisionEntry, parent: string, user: OsUser | undefined) {
  const dir = await mkdtemp(join(parent, `${entry.datastore}-`));
  if (user) await chown(dir, user.uid, user.gid);
  const port = await freePort();
  const started = performance.now();
  const server = await entry.bare({ dir, port, user, login: 'app', password: PASSWORD });
  try {
    await entry.firstQuery('127.0.0.1', port, 'app', PASSWORD);
    return performance.now() - started;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every one finished before the first failure is thrown: a failed start must not let the bench
 * remove the directories of the others still starting (which then fail with ENOTEMPTY instead).
 */
async function settled(runs: readonly Promise<number>[]): Promise<number[]> {
  const results = await Promise.allSettled(runs);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<number>).value);
}

/** The target line, and whether it is met. */
function verdict(entry: ProvisionEntry, cellar: number, bareMs: number): [string, boolean] {
  if (entry.target.kind === 'half') {
    const ratio = cellar / bareMs;
    return [`cellar/bare ${ratio.toFixed(2)} (target <= 0.50)`, ratio <= 0.5];
  }
  const over = cellar - bareMs;
  return [
    `cellar - bare ${over.toFixed(0)} ms (target <= ${entry.target.ms} ms)`,
    over <= entry.target.ms,
  ];
}

/** One datastore: alternating single runs, then a burst of each. True when its target is met. */
async function measure(
  api: ApiSession,
  entry: ProvisionEntry,
  offer: Offer,
  parent: string,
  user: OsUser | undefined,
  home: string,
): Promise<boolean> {
  // Each timed create finds its standby loaded and idle, with its work ahead done where the
  // datastore initialises ahead.
  const ready = async (wanted: number) => {
    if (wanted === 0) return;
    if (entry.target.kind === 'half') await standbysReady(home, entry.datastore, wanted);
    await quiet(entry.datastore, wanted);
  };
  // One of each first, unmeasured: the page cache and the guest artifact's copy.
  await bare(entry, parent, user);
  await throughCellar(api, entry, offer, 0);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 1; i <= Number(args.runs); i++) {
    theirs.push(await bare(entry, parent, user));
    await ready(Number(args.standbys));
    ours.push(await throughCellar(api, entry, offer, i));
  }
  const [o, t] = [median(ours), median(theirs)];
  const [line, met] = verdict(entry, o, t);
  console.log(
    `${entry.title} ${offer.version}: to the created user's first query, ${args.runs} runs each, alternating, each create once the standby is loaded and idle${entry.target.kind === 'half' ? ' with its work ahead done' : ''}`,
  );
  console.log(
    `  cellar (POST /instances, guest, start, user)   median ${o.toFixed(0)} ms   [${fmt(ours)}]`,
  );
  console.log(
    `  bare, the guest's way                         median ${t.toFixed(0)} ms   [${fmt(theirs)}]`,
  );
  console.log(`  ${line}: ${met ? 'met' : 'MISSED'}`);
  const burst = Number(args.burst);
  if (burst > 1) {
    // Once the standbys are ready and idle again.
    await ready(Number(args.standbys));
    const ourBurst = await settled(
      Array.from({ length: burst }, (_, k) => throughCellar(api, entry, offer, 100 + k)),
    );
    const theirBurst = await settled(
      Array.from({ length: burst }, () => bare(entry, parent, user)),
    );
    console.log(
      `  ${burst} at once, the slowest: cellar ${Math.max(...ourBurst).toFixed(0)} ms [${fmt(ourBurst)}], bare ${Math.max(...theirBurst).toFixed(0)} ms [${fmt(theirBurst)}]`,
    );
  }
  return met;
}

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const running = await startTestControlPlane(appRoot, [
    'identity.bootstrap_password=bench-secret',
    'local.report_interval=1',
    'DEFAULT.http_get_rate=1000000',
    'DEFAULT.http_post_rate=1000000',
    'DEFAULT.max_instances_per_tenant=100',
    'DEFAULT.max_volumes_per_tenant=1000',
    `local.standby_agents=${args.standbys}`,
  ]);
  const parent = await mkdtemp(join(tmpdir(), 'cellar-bench-bare-'));
  await chmod(parent, 0o711);
  let user: OsUser | undefined;
  let failed = false;
  try {
    user = await bareUser();
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');
    const wanted = entries.filter(
      (e) => args.datastore === undefined || args.datastore.includes(e.datastore),
    );
    for (const entry of wanted) {
      const offer = missingBinaries(entry) ?? (await offered(api, appRoot, entry));
      if (typeof offer === 'string') {
        console.log(`${entry.title}: skipped, ${offer}`);
        continue;
      }
      if (!(await measure(api, entry, offer, parent, user, guestHome(running.plane))))
        failed = true;
    }
    return failed ? 1 : 0;
  } finally {
    // Each step whatever the one before did: the OS user and the control plane are not left.
    try {
      await rm(parent, { recursive: true, force: true, maxRetries: 3 }).catch((e: unknown) =>
        console.error(`removing ${parent}: ${String(e)}`),
      );
    } finally {
      try {
        await running.close();
      } finally {
        if (user) await run('userdel', [user.name]);
      }
    }
  }
}

process.exitCode = await main();
