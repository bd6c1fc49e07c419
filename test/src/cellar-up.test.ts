// `cellar up` as a user runs it: it starts, prints where it listens and how to get a token, serves
// the API, writes clouds.yaml once, keeps its state across restarts, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type ControlDatabase } from '@cellar/server';
import { freePort } from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';
import { exitWithin, waitFor } from './support/wait-for.js';

let state: string;
let port: number;
before(async () => {
  state = await mkdtemp(join(tmpdir(), 'cellar-up-'));
  port = await freePort();
});
after(async () => {
  await rm(state, { recursive: true, force: true });
});

/** `cellar up` on this test's port and state directory, with these `group.option=value` settings. */
const up = (settings: readonly string[] = []): Promise<CellarUp> =>
  startCellarUp([`DEFAULT.bind_port=${port}`, `DEFAULT.state_path=${state}`, ...settings]);

async function token(password: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' }, password } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
}

test('first start: a generated admin password shown once, clouds.yaml, a working API; a restart keeps the state', async () => {
  const first = await up();
  const password = /its password, shown only now: (\S+)/.exec(first.banner)?.[1];
  assert.ok(password, first.banner);
  assert.match(
    first.banner,
    new RegExp(`Trove v1\\.0 API: +http://127\\.0\\.0\\.1:${port}/v1\\.0/<project id>`),
  );
  assert.match(first.banner, /curl -si .*\/identity\/v3\/auth\/tokens/);
  assert.match(first.banner, /Web console: +http:\/\/127\.0\.0\.1:\d+\/dashboard\//);
  const clouds = join(state, 'clouds.yaml');
  assert.equal((await stat(clouds)).mode & 0o777, 0o600);
  assert.match(
    await readFile(clouds, 'utf8'),
    new RegExp(
      `auth_url: http://127\\.0\\.0\\.1:${port}/identity/v3\\n[\\s\\S]*password: "${password}"`,
    ),
  );

  const versions = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(versions.status, 200);
  const issued = await token(password);
  assert.equal(issued.status, 201);
  const body = (await issued.json()) as { token: { project: { id: string } } };
  const flavors = await fetch(`http://127.0.0.1:${port}/v1.0/${body.token.project.id}/flavors`, {
    headers: { 'x-auth-token': issued.headers.get('x-subject-token') ?? '' },
  });
  assert.equal(flavors.status, 200);
  assert.equal(await first.stop(), 0);
  // Stopped moments after it started: its standby agent, its work ahead and its user are gone too.
  assert.deepEqual(await readdir(join(state, 'instances', '.users')).catch(() => []), []);
  assert.deepEqual(
    (await readdir(join(state, 'guest', 'postgresql')).catch(() => [])).filter((f) =>
      f.startsWith('standby-'),
    ),
    [],
  );

  const second = await up();
  assert.doesNotMatch(second.banner, /First start/);
  assert.equal((await token(password)).status, 201, 'the admin made on first start is still there');
  assert.equal((await token('wrong')).status, 401);
  assert.equal(await second.stop(), 0);
});

test('a port already in use is a clear error, not a stack trace', async () => {
  const blocker = createServer().listen(port, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    await assert.rejects(up(), /cellar up: could not start: .*EADDRINUSE/);
  } finally {
    blocker.close();
  }
});

test('kill -9 during a create, then a restart: the operation finishes and the instance is ACTIVE', async () => {
  const simulated = [
    'DEFAULT.compute_driver=simulated',
    'simulated.prepare_delay=1.5',
    'simulated.report_interval=0.2',
    'postgresql.usage_timeout=30',
  ];
  const first = await up(simulated);
  const password =
    /its password, shown only now: (\S+)/.exec(first.banner)?.[1] ??
    (await readFile(join(state, 'clouds.yaml'), 'utf8')).match(/password: "(.*)"/)?.[1] ??
    '';
  const issued = await token(password);
  const auth = {
    'x-auth-token': issued.headers.get('x-subject-token') ?? '',
    'content-type': 'application/json',
  };
  const project = ((await issued.json()) as { token: { project: { id: string } } }).token.project
    .id;
  const created = await fetch(`http://127.0.0.1:${port}/v1.0/${project}/instances`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      instance: {
        name: 'survivor',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
      },
    }),
  });
  assert.equal(created.status, 200);
  const id = ((await created.json()) as { instance: { id: string } }).instance.id;
  const control = await openDatabase({ dialect: 'sqlite', path: join(state, 'cellar.sqlite') });
  try {
    // Killed once the create is known to be half done: some steps finished, one under way.
    const midway = await waitFor(
      async () => {
        const steps = await stepsOf(control, id);
        return (
          steps.some((s) => s[1] === 'succeeded') && steps.some((s) => s[1] === 'running') && steps
        );
      },
      { timeout: 10_000, what: 'the create to be half done', interval: 20 },
    );
    first.child.kill('SIGKILL');
    await exitWithin(first.child, 10_000, 'cellar up after SIGKILL');

    const second = await up(simulated);
    try {
      const instance = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/v1.0/${project}/instances/${id}`, {
            headers: auth,
          });
          const shown = ((await res.json()) as { instance: Record<string, unknown> }).instance;
          return shown['status'] !== 'BUILD' && shown;
        },
        { timeout: 20_000, what: 'the resumed create to end', interval: 200 },
      );
      assert.deepEqual([instance['status'], instance['operating_status']], ['ACTIVE', 'HEALTHY']);
      assert.deepEqual(
        await stepsOf(control, id),
        ['network', 'volume', 'server', 'prepare', 'wait-for-guest'].map((n) => [n, 'succeeded']),
        `the create killed half way (${JSON.stringify(midway)}) finished every step`,
      );
    } finally {
      assert.equal(await second.stop(), 0);
    }
  } finally {
    await control.close();
  }
});

/** The steps of the instance's create operation, in order, as [name, status]. */
async function stepsOf(control: ControlDatabase, instanceId: string): Promise<[string, string][]> {
  const steps = await control.db
    .selectFrom('operation_steps')
    .innerJoin('operations', 'operations.id', 'operation_steps.operation_id')
    .select(['operation_steps.name', 'operation_steps.status'])
    .where('operations.instance_id', '=', instanceId)
    .where('operations.kind', '=', 'create')
    .orderBy('operation_steps.seq')
    .execute();
  return steps.map((s) => [s.name, s.status]);
}

test('the banner offers only the datastores enabled now, not one enabled at an earlier start', async (t) => {
  const own = await mkdtemp(join(tmpdir(), 'cellar-up-enabled-'));
  t.after(() => rm(own, { recursive: true, force: true }));
  const start = (settings: readonly string[]): Promise<CellarUp> =>
    startCellarUp([`DEFAULT.bind_port=${port}`, `DEFAULT.state_path=${own}`, ...settings]);
  const all = await start(['DEFAULT.enabled_datastores=postgresql,redis']);
  assert.equal(await all.stop(), 0);
  assert.match(all.banner, /--datastore postgresql /);
  assert.match(all.banner, /--datastore redis /, 'this host has Redis: it is offered');

  const fewer = await start(['DEFAULT.enabled_datastores=postgresql']);
  assert.equal(await fewer.stop(), 0);
  assert.match(fewer.banner, /--datastore postgresql /);
  assert.doesNotMatch(fewer.banner, /--datastore redis /, 'Redis is no longer enabled');
});
