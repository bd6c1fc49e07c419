// bench/api: requests/s and p99 of the first page of `GET /v1.0/{project}/instances/detail` and
// of one instance's `GET /v1.0/{project}/instances/{id}` on a control plane holding 1,000
// instances, each beside a bare Fastify route returning the same JSON, measured with wrk (50
// connections) in one run, alternating. Exits 1 when the list serves under 0.3 of bare Fastify's
// requests/s, one instance's detail fewer than the list's first page, or either p99 is 50 ms+.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs, promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { openControlDatabase, type Database } from '@cellar/server';
import { freePort, startTestControlPlane } from '@cellar/server/testing';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    // For profiling: load only Cellar's routes.
    'cellar-only': { type: 'boolean', default: false },
  },
});
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface WrkResult {
  readonly rps: number;
  readonly p99: number;
}

/** Runs wrk and reads requests/s and the 99th percentile latency (ms) from its report. */
async function wrk(url: string, token: string, seconds: number): Promise<WrkResult> {
  const { stdout } = await run(
    'wrk',
    ['-t1', '-c50', `-d${seconds}s`, '--latency', '-H', `X-Auth-Token: ${token}`, url],
    { maxBuffer: 1 << 20 },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99 = m
    ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'] ?? 1)
    : NaN;
  if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw errors against ${url}:\n${stdout}`);
  return { rps, p99 };
}

/** Instances as a finished create leaves them: healthy, with their operation and its steps. */
async function seed(db: Kysely<Database>, projectId: string, count: number): Promise<void> {
  const version = await db
    .selectFrom('datastore_versions')
    .select('id')
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  const at = new Date().toISOString();
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, () => randomUUID());
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('instances')
        .values(
          batch.map((id, i) => ({
            id,
            name: `bench-${start + i}`,
            tenant_id: projectId,
            flavor_id: '2',
            volume_size: 1,
            volume_type: null,
            datastore_version_id: version.id,
            task_status: 'NONE',
            server_status: 'ACTIVE',
            address: `127.42.${(start + i) >> 8}.${(start + i) & 255 || 1}`,
            hostname: null,
            access: '{"is_public":false,"allowed_cidrs":[]}',
            availability_zone: null,
            locality: null,
            nics: '[]',
            security_rules: '[]',
            rpc_key: 'sealed',
            created_at: at,
            updated_at: at,
            deleted_at: null,
          })),
        )
        .execute();
      await trx
        .insertInto('service_statuses')
        .values(
          batch.map((id) => ({
            instance_id: id,
            status: 'healthy',
            updated_at: '2999-01-01T00:00:00.000Z',
          })),
        )
        .execute();
      for (const id of batch) await seedOperation(trx, id, at);
    });
  }
}

async function seedOperation(trx: Transaction<Database>, instanceId: string, at: string) {
  const op = randomUUID();
  await trx
    .insertInto('operations')
    .values({
      id: op,
      instance_id: instanceId,
      kind: 'create',
      status: 'succeeded',
      request: '{}',
      error_code: null,
      error_message: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await trx
    .insertInto('operation_steps')
    .values(
      ['network', 'volume', 'server', 'prepare', 'wait-for-guest'].map((name, seq) => ({
        operation_id: op,
        seq,
        name,
        status: 'succeeded',
        started_at: at,
        ended_at: at,
        error_code: null,
        error_message: null,
      })),
    )
    .execute();
}

/** A route measured on Cellar and on bare Fastify serving the body Cellar answered with. */
interface Case {
  readonly label: string;
  readonly path: string;
  body: string;
}

interface Measured {
  readonly ours: WrkResult;
  readonly theirs: WrkResult;
}

/** Each case on Cellar then on bare Fastify, round after round; the best round of each. */
async function measure(
  cases: readonly Case[],
  cellar: string,
  bare: string,
  token: string,
): Promise<Measured[]> {
  const seconds = Number(args.seconds);
  for (const c of cases) {
    await wrk(cellar + c.path, token, 1);
    await wrk(bare + c.path, token, 1);
  }
  const rounds = cases.map(() => ({ ours: [] as WrkResult[], theirs: [] as WrkResult[] }));
  for (let r = 0; r < Number(args.rounds); r++)
    for (const [i, c] of cases.entries()) {
      rounds[i]?.ours.push(await wrk(cellar + c.path, token, seconds));
      rounds[i]?.theirs.push(await wrk(bare + c.path, token, seconds));
    }
  const best = (xs: WrkResult[]): WrkResult => xs.reduce((a, b) => (b.rps > a.rps ? b : a));
  return rounds.map((r) => ({ ours: best(r.ours), theirs: best(r.theirs) }));
}

/** Prints the table and the ratios; true when every target is met. */
function report(cases: readonly Case[], results: readonly Measured[], count: number): boolean {
  console.log(
    `${count} instances in the project, wrk -c50, best of ${args.rounds} x ${args.seconds}s`,
  );
  const cell = (r: WrkResult) => `${r.rps.toFixed(0).padStart(9)} ${r.p99.toFixed(2).padStart(8)}`;
  console.log(
    `  ${'route'.padEnd(44)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(8)} ${'bare req/s'.padStart(11)} ${'p99 ms'.padStart(8)} ratio`,
  );
  for (const [i, c] of cases.entries()) {
    const m = results[i];
    if (m)
      console.log(
        `  ${`${c.label} (${c.body.length} bytes)`.padEnd(44)} ${cell(m.ours)}  ${cell(m.theirs)} ${(m.ours.rps / m.theirs.rps).toFixed(2)}`,
      );
  }
  const [list, show] = results;
  if (!list || !show) return false;
  const listRatio = list.ours.rps / list.theirs.rps;
  const showOverList = show.ours.rps / list.ours.rps;
  console.log(
    `list page / bare Fastify: ${listRatio.toFixed(2)} (target >= 0.3); one instance / list page: ${showOverList.toFixed(2)} (target >= 1.00); p99 target < 50 ms`,
  );
  return listRatio >= 0.3 && showOverList >= 1 && list.ours.p99 < 50 && show.ours.p99 < 50;
}

/** wrk is a Debian package: installed (as root) the way Cellar installs its others when missing. */
async function ensureWrk(): Promise<void> {
  try {
    await run('sh', ['-c', 'command -v wrk']);
  } catch {
    await run(join(repoRoot, 'scripts', 'install-debian-packages'), ['wrk']);
  }
}

async function main(): Promise<number> {
  await ensureWrk();
  const running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    'identity.bootstrap_password=bench-secret',
    // The benchmark measures the API, not the rate limiter's refusals.
    'DEFAULT.http_get_rate=1000000000',
  ]);
  const bare = Fastify({ logger: false });
  try {
    const { control, identity } = await openControlDatabase(running.config, running.appRoot);
    const issued = await identity.authenticate('admin', 'bench-secret', { name: 'admin' });
    const count = Number(args.instances);
    await seed(control.db, issued.projectId, count);
    await control.close();

    const cellar = `${running.plane.endpoint}/v1.0/${issued.projectId}`;
    const get = async (path: string) =>
      (await fetch(cellar + path, { headers: { 'x-auth-token': issued.token } })).text();
    const list: Case = {
      label: 'GET /instances/detail (first page)',
      path: '/instances/detail',
      body: '',
    };
    list.body = await get(list.path);
    const first = (JSON.parse(list.body) as { instances: { id: string }[] }).instances[0];
    const show: Case = {
      label: 'GET /instances/{id}',
      path: `/instances/${first?.id ?? ''}`,
      body: '',
    };
    show.body = await get(show.path);
    const cases = [list, show];
    for (const c of cases)
      bare.get(`/v1.0/:tenant_id${c.path}`, async (_request, reply) =>
        reply.type('application/json; charset=utf-8').send(c.body),
      );
    const barePort = await freePort();
    await bare.listen({ host: '127.0.0.1', port: barePort });
    const bareBase = `http://127.0.0.1:${barePort}/v1.0/${issued.projectId}`;

    if (args['cellar-only']) {
      for (const c of cases) {
        const only = await wrk(cellar + c.path, issued.token, Number(args.seconds));
        console.log(
          `${c.label} alone: ${only.rps.toFixed(0)} req/s, p99 ${only.p99.toFixed(2)} ms`,
        );
      }
      return 0;
    }
    return report(cases, await measure(cases, cellar, bareBase, issued.token), count) ? 0 : 1;
  } finally {
    await bare.close();
    await running.close();
  }
}

process.exitCode = await main();
