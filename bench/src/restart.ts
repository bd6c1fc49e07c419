// bench/restart: how long a PostgreSQL instance's restart takes through Cellar (the API's 202 to
// ACTIVE again) beside a bare stop and start of the very same server (same data directory, same
// binaries and OS user, stopped and started the guest's way), alternating in one run.
// Prints both medians and the difference, Cellar's overhead; exits 1 above --target ms.
//
// The bare run stops the instance's postmaster with SIGINT and starts postgres -D on the same data
// directory until postmaster.pid says ready, polling every 10 ms as the guest does. The guest finds
// that server again by its postmaster.pid, so Cellar's next restart stops and starts it as usual.

import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signIn, startTestControlPlane, type ApiSession } from '@cellar/server/testing';
import {
  alive,
  createInstance,
  DEADLINE_MS,
  median,
  POLL_MS,
  postmasterOf,
  readyIn,
  until,
} from './pg-instance.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    target: { type: 'string', default: '200' },
  },
});
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** SIGINT (fast shutdown) and postgres -D started again as the data directory's owner, until ready. */
async function bareRestart(instanceId: string): Promise<number> {
  const server = await postmasterOf(instanceId);
  const owner = await stat(server.dataDir);
  const started = performance.now();
  process.kill(server.pid, 'SIGINT');
  await until('the fast shutdown', () => !alive(server.pid));
  const child = spawn(join(server.bin, 'postgres'), ['-D', server.dataDir], {
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: server.dataDir },
    stdio: 'ignore',
    ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  child.on('error', () => undefined);
  child.unref();
  const pid = child.pid ?? -1;
  await until('the start', () => readyIn(server.dataDir, pid));
  return performance.now() - started;
}

/** POST restart, then GET the instance every 10 ms until it is ACTIVE again. */
async function cellarRestart(api: ApiSession, id: string): Promise<number> {
  // A heartbeat sent while the bare server was down may show the instance as not running.
  await api.untilInstance(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE', 30, POLL_MS);
  const answer = await api.call('POST', `/instances/${id}/action`, { restart: {} });
  if (answer.status !== 202)
    throw new Error(`restart answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  const accepted = performance.now();
  const shown = await api.untilInstance(
    id,
    (i) => i['status'] === 'ACTIVE' || String(i['status']).includes('ERROR'),
    'ACTIVE',
    DEADLINE_MS / 1000,
    POLL_MS,
  );
  if (shown['status'] !== 'ACTIVE')
    throw new Error(`the restart failed: ${JSON.stringify(shown['fault'])}`);
  return performance.now() - accepted;
}

async function main(): Promise<number> {
  // The default report_interval (10 s): a restart must not wait for the next periodic heartbeat.
  const running = await startTestControlPlane(repoRoot, [
    'identity.bootstrap_password=bench-secret',
    'DEFAULT.http_get_rate=1000000',
    'DEFAULT.http_post_rate=1000000',
  ]);
  try {
    const api = await signIn(running.plane.endpoint, 'admin', 'bench-secret');
    const id = await createInstance(api, 'bench-restart');
    const major = /postgresql\/(\d+)\//.exec((await postmasterOf(id)).bin)?.[1] ?? '?';
    // One of each first, unmeasured: the page cache.
    await bareRestart(id);
    await cellarRestart(api, id);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < Number(args.runs); i++) {
      theirs.push(await bareRestart(id));
      ours.push(await cellarRestart(api, id));
    }
    const o = median(ours);
    const t = median(theirs);
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `PostgreSQL ${major}: restart of one instance, ${args.runs} runs each, alternating`,
    );
    console.log(
      `  cellar (POST restart: 202 to ACTIVE)              median ${o.toFixed(0)} ms   [${fmt(ours)}]`,
    );
    console.log(
      `  bare stop and start of the same server            median ${t.toFixed(0)} ms   [${fmt(theirs)}]`,
    );
    console.log(
      `  Cellar's overhead: ${(o - t).toFixed(0)} ms (target <= ${args.target} ms); cellar/bare ${(o / t).toFixed(2)}`,
    );
    await api.call('DELETE', `/instances/${id}`);
    await api.untilInstance(id, (i) => 'gone' in i, 'deleted', 30, 25);
    return o - t <= Number(args.target) ? 0 : 1;
  } finally {
    await running.close();
  }
}

process.exitCode = await main();
