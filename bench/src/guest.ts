// bench/guest: how light the PostgreSQL guest is. The artifact's size; the idle RSS of a real
// instance's guest agent beside its PostgreSQL server's (summed over the server's processes);
// the agent's cold start, from exec to its first answer over RPC. Targets: 3 MB, 70 MB, 500 ms.
// Exits 1 when one is missed.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
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
  options: { starts: { type: 'string', default: '10' }, idle: { type: 'string', default: '3' } },
});
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MB = 1024 * 1024;
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Resident memory of a process, from /proc. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Idle memory of a real instance: its agent alone, and its PostgreSQL server's processes summed. */
async function idleMemory(): Promise<{ agent: number; server: number }> {
  const running = await startTestControlPlane(repoRoot, [
    'identity.bootstrap_password=bench-secret',
    'local.report_interval=1',
  ]);
  try {
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');
    const versions = (await api.call('GET', '/datastores/postgresql/versions')).json[
      'versions'
    ] as { name: string }[];
    const created = (
      await api.call('POST', '/instances', {
        instance: {
          name: 'bench-guest',
          flavorRef: '2',
          volume: { size: 1 },
          datastore: { type: 'postgresql', version: versions[0]?.name },
        },
      })
    ).json['instance'] as { id: string };
    const shown = await api.untilInstance(
      created.id,
      (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
      'ACTIVE',
      600,
    );
    if (shown['status'] === 'ERROR')
      throw new Error(`the instance failed: ${JSON.stringify(shown['fault'])}`);
    await sleep(Number(args.idle) * 1000);
    const dir = join(running.statePath, 'instances', created.id);
    const agentPid = Number((await readFile(join(dir, 'guest.pid'), 'utf8')).trim());
    const postmaster = Number(
      (await readFile(join(dir, 'volume', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const serverRss = (
      await Promise.all(withDescendants(await readProcesses(), [postmaster]).map(rss))
    ).reduce((a, b) => a + b, 0);
    const agentRss = await rss(agentPid);
    await api.call('DELETE', `/instances/${created.id}`);
    await api.untilInstance(created.id, (i) => 'gone' in i, 'deleted', 10, 50);
    return { agent: agentRss, server: serverRss };
  } finally {
    await running.close();
  }
}

/** From exec of the artifact to its first answer, on an unprepared instance, `starts` times. */
async function coldStarts(file: string): Promise<number[]> {
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
      'datastore_manager = postgresql',
      'instance_address = 127.0.0.1',
      `run_dir = ${join(dir, 'run')}`,
      `log_dir = ${join(dir, 'log')}`,
      '[rpc]',
      `socket_dir = ${join(dir, 'rpc')}`,
      `instance_key = ${key}`,
      '[postgresql]',
      `mount_point = ${join(dir, 'volume')}`,
      '',
    ].join('\n'),
  );
  const client = new GuestClient(control, id, key, { low: 1, high: 1 });
  const times: number[] = [];
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
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await conductor.close();
    await control.close();
    await rm(dir, { recursive: true, force: true });
  }
  return times;
}

async function main(): Promise<number> {
  const artifact = await readGuestArtifact(repoRoot, 'postgresql');
  if (!artifact)
    throw new Error('no PostgreSQL guest artifact: run `npm run build:guest -- postgresql` first');
  const size = (await stat(artifact.file)).size;
  const starts = await coldStarts(artifact.file);
  const memory = await idleMemory();
  const cold = median(starts);
  console.log('The PostgreSQL guest');
  console.log(
    `  artifact:        ${(size / MB).toFixed(2)} MB, ${artifact.inputs.length} source files bundled (target <= 3 MB)`,
  );
  console.log(
    `  idle RSS:        agent ${(memory.agent / MB).toFixed(1)} MB beside PostgreSQL's ${(memory.server / MB).toFixed(1)} MB (all its processes); agent target <= 70 MB`,
  );
  console.log(
    `  cold start:      median ${cold.toFixed(0)} ms, min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)} over ${starts.length} starts (target <= 500 ms)`,
  );
  return size <= 3 * MB && memory.agent <= 70 * MB && cold <= 500 ? 0 : 1;
}

process.exitCode = await main();
