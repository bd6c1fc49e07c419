// bench/api: requests/s and p99 of `GET /v1.0/{project}/instances/detail` on a control plane
// holding 1,000 instances, beside a bare Fastify route returning the same JSON, measured with wrk
// (50 connections) in one run, alternating. Exits 1 below a 0.3 ratio or above a 50 ms p99.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { openControlDatabase } from '@cellar/server';
import { freePort, startTestControlPlane } from '@cellar/server/testing';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    // For profiling: load only Cellar's route.
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

async function main(): Promise<number> {
  const running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    'identity.bootstrap_password=bench-secret',
    // The benchmark measures the API, not the rate limiter's refusals.
    'DEFAULT.http_get_rate=1000000000',
  ]);
  const plane = running.plane;
  const bare = Fastify({ logger: false });
  try {
    const { control, identity } = await openControlDatabase(running.config, running.appRoot);
    const issued = await identity.authenticate('admin', 'bench-secret', { name: 'admin' });
    const version = await control.db
      .selectFrom('datastore_versions')
      .select('id')
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    const count = Number(args.instances);
    const at = new Date().toISOString();
    // Instances as a finished create leaves them: healthy, with their operation and its steps.
    for (let start = 0; start < count; start += 100) {
      const batch = Array.from({ length: Math.min(100, count - start) }, () => randomUUID());
      await control.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('instances')
          .values(
            batch.map((id, i) => ({
              id,
              name: `bench-${start + i}`,
              tenant_id: issued.projectId,
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
        for (const id of batch) {
          const op = randomUUID();
          await trx
            .insertInto('operations')
            .values({
              id: op,
              instance_id: id,
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
      });
    }
    await control.close();

    const url = `${plane.endpoint}/v1.0/${issued.projectId}/instances/detail`;
    const body = await (await fetch(url, { headers: { 'x-auth-token': issued.token } })).text();
    const shown = (JSON.parse(body) as { instances: unknown[] }).instances.length;
    const barePort = await freePort();
    bare.get('/v1.0/:tenant_id/instances/detail', async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(body),
    );
    await bare.listen({ host: '127.0.0.1', port: barePort });
    const bareUrl = `http://127.0.0.1:${barePort}/v1.0/${issued.projectId}/instances/detail`;

    const seconds = Number(args.seconds);
    await wrk(url, issued.token, 1);
    if (args['cellar-only']) {
      const only = await wrk(url, issued.token, Number(args.seconds));
      console.log(`cellar api alone: ${only.rps.toFixed(0)} req/s, p99 ${only.p99.toFixed(2)} ms`);
      return 0;
    }
    await wrk(bareUrl, issued.token, 1);
    const ours: WrkResult[] = [];
    const theirs: WrkResult[] = [];
    for (let r = 0; r < Number(args.rounds); r++) {
      ours.push(await wrk(url, issued.token, seconds));
      theirs.push(await wrk(bareUrl, issued.token, seconds));
    }
    const best = (xs: WrkResult[]): WrkResult => xs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const o = best(ours);
    const t = best(theirs);
    const ratio = o.rps / t.rps;
    console.log(
      `GET /instances/detail, ${count} instances in the project (${shown} per page, ${body.length} bytes), wrk -c50, best of ${args.rounds} x ${seconds}s`,
    );
    console.log(`  ${'server'.padEnd(34)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(8)}`);
    console.log(
      `  ${'cellar api'.padEnd(34)} ${o.rps.toFixed(0).padStart(9)} ${o.p99.toFixed(2).padStart(8)}`,
    );
    console.log(
      `  ${'bare fastify, same JSON'.padEnd(34)} ${t.rps.toFixed(0).padStart(9)} ${t.p99.toFixed(2).padStart(8)}`,
    );
    console.log(
      `ratio: ${ratio.toFixed(2)} (target >= 0.3); cellar p99: ${o.p99.toFixed(1)} ms (target < 50 ms)`,
    );
    return ratio >= 0.3 && o.p99 < 50 ? 0 : 1;
  } finally {
    await bare.close();
    await running.close();
  }
}

process.exitCode = await main();
