// bench/provision through Cellar: whether the control plane offers a datastore here (enabled, a
// version installed, a guest artifact built), and one create timed from POST /instances to the
// created user's first successful query at the instance's address.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readGuestArtifact } from '@cellar/guest/artifact';
import { readProcesses, withDescendants, type ApiSession, type Json } from '@cellar/server/testing';
import { PASSWORD, type ProvisionEntry } from './common.js';

/** What a datastore is created with here, once found offered. */
export interface Offer {
  readonly version: string;
  /** Whether the datastore keeps its data on a volume: found out by the first create. */
  volume: boolean;
}

/** The version to create, or why the datastore cannot be measured through Cellar here. */
export async function offered(
  api: ApiSession,
  appRoot: string,
  entry: ProvisionEntry,
): Promise<Offer | string> {
  const res = await api.call('GET', `/datastores/${entry.datastore}/versions`);
  if (res.status === 404)
    return `not enabled in ${appRoot} (install its package there and give --app-root)`;
  const versions = (res.json['versions'] ?? []) as { name: string; active?: boolean }[];
  const version = versions.find((v) => v.active !== false)?.name;
  if (version === undefined) {
    const reason = res.json['unavailable_reason'];
    return typeof reason === 'string' ? reason : 'no version installed on this host';
  }
  if (!(await readGuestArtifact(appRoot, entry.datastore)))
    return 'no guest artifact: it has no guest half, or `node packages/guest/bin/cellar-build-guest.js --all` has not run';
  return { version, volume: true };
}

async function post(api: ApiSession, body: Json): Promise<{ status: number; json: Json }> {
  return api.call('POST', '/instances', { instance: body });
}

/** POST /instances; without a volume when the datastore refuses one, remembered for the next. */
async function create(api: ApiSession, entry: ProvisionEntry, offer: Offer, n: number) {
  const body = {
    name: `bench-${entry.datastore}-${n}`,
    flavorRef: '2',
    datastore: { type: entry.datastore, version: offer.version },
    ...entry.request('app', PASSWORD),
  };
  let res = await post(api, offer.volume ? { ...body, volume: { size: 1 } } : body);
  if (res.status !== 200 && offer.volume && JSON.stringify(res.json).includes('volume')) {
    offer.volume = false;
    res = await post(api, body);
  }
  if (res.status !== 200)
    throw new Error(
      `creating a ${entry.datastore} instance: ${res.status} ${JSON.stringify(res.json)}`,
    );
  return (res.json['instance'] as { id: string }).id;
}

/** One create to the created user's first query, then its delete (not timed). */
export async function throughCellar(
  api: ApiSession,
  entry: ProvisionEntry,
  offer: Offer,
  n: number,
): Promise<number> {
  const started = performance.now();
  const id = await create(api, entry, offer, n);
  // Every 20 ms: soon enough to see ACTIVE, rarely enough not to load the control plane (and
  // the machine) that is doing the create.
  const shown = await api.untilInstance(
    id,
    (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
    'ACTIVE',
    600,
    20,
  );
  if (shown['status'] === 'ERROR')
    throw new Error(`instance ${id} failed: ${JSON.stringify(shown['fault'])}`);
  const address = (shown['ip'] as string[] | undefined)?.[0] ?? '';
  await entry.firstQuery(address, entry.port, 'app', PASSWORD);
  const elapsed = performance.now() - started;
  await api.call('DELETE', `/instances/${id}`);
  await api.untilInstance(id, (i) => 'gone' in i, 'deleted', 30, 25);
  return elapsed;
}

/**
 * Until `wanted` standby agents of the datastore have finished their work ahead (the `made-by`
 * file PostgreSQL's and MariaDB's standbys write last), under the guests' directory `home`. A
 * create timed right after the previous one took the standby would time the standby's initdb
 * still running, not the create a deployment sees between creates.
 */
export async function standbysReady(home: string, datastore: string, wanted: number) {
  const dir = join(home, 'guest', datastore, 'standbys');
  const deadline = performance.now() + 120_000;
  for (;;) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const done = names.filter((n) => !n.endsWith('.out') && existsSync(join(dir, n, 'made-by')));
    if (done.length >= wanted) return;
    if (performance.now() > deadline)
      throw new Error(
        `${datastore}: ${wanted} standby agents not ready in ${dir} within 2 minutes`,
      );
    await sleep(20);
  }
}

/** CPU ticks spent so far by this process's descendants, and how many are the datastore's standbys. */
async function descendants(datastore: string): Promise<{ ticks: number; standbys: number }> {
  const pids = withDescendants(await readProcesses(), [process.pid]).filter(
    (p) => p !== process.pid,
  );
  let ticks = 0;
  let standbys = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = argv.indexOf('--datastore');
    if (argv.includes('--standby') && argv[at + 1] === datastore) standbys += 1;
  }
  return { ticks, standbys };
}

/**
 * Until `wanted` standby agents of the datastore are there and everything this process started
 * (standbys loading, the last instance's teardown) has used no CPU for 100 ms: a create timed
 * while the previous one's replacement standby still loads times that load on this machine's
 * cores, not the create a deployment sees between creates (the burst shows back-to-back ones).
 */
export async function quiet(datastore: string, wanted: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  let last = -1;
  let still = 0;
  for (;;) {
    const now = await descendants(datastore);
    still = now.ticks === last && now.standbys >= wanted ? still + 1 : 0;
    last = now.ticks;
    if (still >= 5) return;
    if (performance.now() > deadline)
      throw new Error(`${datastore}: the standby agents were not ready and idle within 2 minutes`);
    await sleep(20);
  }
}
