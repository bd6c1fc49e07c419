// `cellar up` as a user runs it: it starts, prints where it listens and how to get a token, serves
// the API, writes clouds.yaml once, keeps its state across restarts, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';

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
  await new Promise((r) => setTimeout(r, 500));
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const second = await up(simulated);
  try {
    const deadline = Date.now() + 20_000;
    let instance: { status?: string; operating_status?: string } = {};
    while (Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${port}/v1.0/${project}/instances/${id}`, {
        headers: auth,
      });
      instance = ((await res.json()) as { instance: typeof instance }).instance;
      if (instance.status !== 'BUILD') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(instance.status, 'ACTIVE', JSON.stringify(instance));
    assert.equal(instance.operating_status, 'HEALTHY');
    const timeline = await fetch(
      `http://127.0.0.1:${port}/v1.0/${project}/instances/${id}/operations`,
      { headers: auth },
    );
    const [operation] = (
      (await timeline.json()) as { operations: { kind: string; status: string }[] }
    ).operations;
    assert.deepEqual([operation?.kind, operation?.status], ['create', 'succeeded']);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
