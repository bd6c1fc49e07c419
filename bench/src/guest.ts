// bench/guest: how light each datastore's guest is (every artifact built, or --datastore). The
// artifact's size; the agent's cold start, from exec to its first answer over RPC, and its idle
// RSS right there, before any instance; the idle RSS of a real instance's agent beside its
// server's (summed over the server's processes), where this host has the datastore's server.
// Targets: 3 MB, 500 ms, 70 MB for an idle agent. Exits 1 when one is missed.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readdirSync } from 'node:fs';
import { readGuestArtifact } from '@cellar/guest/artifact';
import { agentSocket } from '@cellar/guest';
import {
  conductorArgs,
  CONDUCTOR_TOPIC,
  GuestClient,
  LocalTransport,
  method,
  serve,
} from '@cellar/rpc';
import {
  readProcesses,
  signIn,
  startTestControlPlane,
  withDescendants,
} from '@cellar/server/testing';

const { values: args } = parseArgs({
  options: {
    starts: { type: 'string', default: '10' },
    idle: { type: 'string', default: '3' },
    datastore: { type: 'string', multiple: true },
    // A deployment root with a third-party datastore installed (memcached): its artifacts.
    'app-root': { type: 'string', default: fileURLToPath(new URL('../../', import.meta.url)) },
  },
});
const appRoot = args['app-root'];
const MB = 1024 * 1024;
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Resident memory of a process, from /proc. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The server's processes: the agent's descendants, and PostgreSQL's postmaster's (it detaches). */
async function serverProcesses(dir: string, agentPid: number): Promise<number[]> {
  const processes = await readProcesses();
  const roots = [agentPid];
  const postmasterPid = join(dir, 'volume', 'data', 'postmaster.pid');
  if (existsSync(postmasterPid))
    roots.push(Number((await readFile(postmasterPid, 'utf8')).split('\n')[0]));
  return [...new Set(withDescendants(processes, roots))].filter((pid) => pid !== agentPid);
}

/** Idle memory of a real instance: its agent alone, and its server's processes summed. */
async function idleMemory(datastore: string): Promise<{ agent: number; server: number } | string> {
  const running = await startTestControlPlane(appRoot, [
    'identity.bootstrap_password=bench-secret',
    'local.report_interval=1',
  ]);
  try {
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');
    const listed = await api.call('GET', `/datastores/${datastore}/versions`);
    const versions = (listed.json['versions'] ?? []) as { name: string }[];
    if (versions.length === 0)
      return typeof listed.json['unavailable_reason'] === 'string'
        ? listed.json['unavailable_reason']
        : `no ${datastore} version offered here (${listed.status})`;
    const instance = {
      name: 'bench-guest',
      flavorRef: '2',
      datastore: { type: datastore, version: versions[0]?.name },
    };
    // With a volume where the datastore keeps its data on one; without where it refuses one.
    let res = await api.call('POST', '/instances', {
      instance: { ...instance, volume: { size: 1 } },
    });
    if (res.status !== 200 && JSON.stringify(res.json).includes('volume'))
      res = await api.call('POST', '/instances', { instance });
    if (res.status !== 200) return `the create answered ${res.status} ${JSON.stringify(res.json)}`;
    const created = res.json['instance'] as { id: string };
    const shown = await api.untilInstance(
      created.id,
      (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
      'ACTIVE',
      600,
    );
    if (shown['status'] === 'ERROR')
      throw new Error(`the instance failed: ${JSON.stringify(shown['fault'])}`);
    await sleep(Number(args.idle) * 1000);
    const dir = join(
      running.plane.instancesPath ?? join(running.statePath, 'instances'),
      created.id,
    );
    const agentPid = Number((await readFile(join(dir, 'guest.pid'), 'utf8')).trim());
    const serverRss = (await Promise.all((await serverProcesses(dir, agentPid)).map(rss))).reduce(
      (a, b) => a + b,
      0,
    );
    const agentRss = await rss(agentPid);
    await api.call('DELETE', `/instances/${created.id}`);
    await api.untilInstance(created.id, (i) => 'gone' in i, 'deleted', 10, 50);
    return { agent: agentRss, server: serverRss };
  } finally {
    await running.close();
  }
}

/**
 * From exec of the artifact to its first answer, on an unprepared instance, `starts` times; and
 * the last agent's RSS after it has idled there `idle` seconds.
 */
async function coldStarts(
  file: string,
  datastore: string,
): Promise<{ times: number[]; idleRss: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-bench-guest-'));
  const id = '0b0b0b0b-0000-4000-8000-000000000001';
  const key = 'b'.repeat(40);
  const control = new LocalTransport(join(dir, 'rpc'), {
    socketFor: (t) => (t === `guestagent.${id}` ? agentSocket(join(dir, 'run')) : undefined),
  });
  const conductor = await serve({
    transport: control,
    topic: CONDUCTOR_TOPIC,
    keyFor: () => key,
    methods: { heartbeat: method(conductorArgs.heartbeat, async () => undefined) },
  });
  const conf = join(dir, 'guest.conf');
  await writeFile(
    conf,
    [
      '[DEFAULT]',
      `guest_id = ${id}`,
      `datastore_manager = ${datastore}`,
      'instance_address = 127.0.0.1',
      `run_dir = ${join(dir, 'run')}`,
      `log_dir = ${join(dir, 'log')}`,
      '[rpc]',
      `socket_dir = ${join(dir, 'rpc')}`,
      `instance_key = ${key}`,
      `[${datastore}]`,
      `mount_point = ${join(dir, 'volume')}`,
      '',
    ].join('\n'),
  );
  const client = new GuestClient(control, id, key, { low: 1, high: 1 });
  const times: number[] = [];
  let idleRss = NaN;
  try {
    for (let i = 0; i < Number(args.starts); i++) {
      const started = performance.now();
      const child = spawn(process.execPath, [file, '--config-file', conf], {
        stdio: 'ignore',
        cwd: '/',
      });
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`the guest exited with ${child.exitCode}; see ${join(dir, 'log')}`);
        if (await client.ping({ requestId: 'bench' }, 1).catch(() => false)) break;
        await sleep(2);
      }
      times.push(performance.now() - started);
      if (i === Number(args.starts) - 1 && child.pid !== undefined) {
        await sleep(Number(args.idle) * 1000);
        idleRss = await rss(child.pid);
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await conductor.close();
    await control.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { times, idleRss };
}

/** The datastores whose guest artifact is built here, or those asked for. */
function datastores(): string[] {
  if (args.datastore) return args.datastore;
  const built = join(appRoot, 'build', 'guest');
  return existsSync(built) ? readdirSync(built).sort() : [];
}

/** One datastore's guest: prints its figures, answers whether every target is met. */
async function measure(datastore: string): Promise<boolean> {
  const artifact = await readGuestArtifact(appRoot, datastore);
  if (!artifact) {
    console.log(`The ${datastore} guest: no artifact; run \`npm run build:guest -- ${datastore}\``);
    return false;
  }
  const size = (await stat(artifact.file)).size;
  const { times: starts, idleRss } = await coldStarts(artifact.file, datastore);
  const memory = await idleMemory(datastore);
  const cold = median(starts);
  console.log(`The ${datastore} guest`);
  console.log(
    `  artifact:        ${(size / MB).toFixed(2)} MB, ${artifact.inputs.length} source files bundled (target <= 3 MB)`,
  );
  console.log(
    `  cold start:      median ${cold.toFixed(0)} ms, min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)} over ${starts.length} starts (target <= 500 ms)`,
  );
  console.log(
    `  idle RSS:        agent before any instance ${(idleRss / MB).toFixed(1)} MB (target <= 70 MB)`,
  );
  if (typeof memory === 'string') console.log(`  idle instance:   not measured: ${memory}`);
  else
    console.log(
      `  idle instance:   agent ${(memory.agent / MB).toFixed(1)} MB beside its server's ${(memory.server / MB).toFixed(1)} MB (all its processes); agent target <= 70 MB`,
    );
  const agentMax = Math.max(idleRss, typeof memory === 'string' ? 0 : memory.agent);
  return size <= 3 * MB && agentMax <= 70 * MB && cold <= 500;
}

async function main(): Promise<number> {
  const names = datastores();
  if (names.length === 0)
    throw new Error(
      'no guest artifact built: run `node packages/guest/bin/cellar-build-guest.js --all`',
    );
  let met = true;
  for (const name of names) if (!(await measure(name))) met = false;
  return met ? 0 : 1;
}

process.exitCode = await main();
