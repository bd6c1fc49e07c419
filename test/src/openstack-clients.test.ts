// Debian's python3-openstackclient and python3-troveclient against `cellar up`, as an operator
// would use them: with the clouds.yaml Cellar writes, and with --os-auth-type admin_token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { freePort } from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'admin-token-for-the-openstack-client-test';
let state: string;
let port: number;
let cellar: CellarUp;

before(async () => {
  state = await mkdtemp(join(tmpdir(), 'cellar-osc-'));
  port = await freePort();
  cellar = await startCellarUp([
    'DEFAULT.compute_driver=simulated',
    `DEFAULT.bind_port=${port}`,
    `DEFAULT.state_path=${state}`,
    'simulated.report_interval=0.5',
    `identity.admin_token=${ADMIN_TOKEN}`,
  ]);
});
after(async () => {
  await cellar.stop();
  await rm(state, { recursive: true, force: true });
});

/** `openstack --os-cloud cellar …` with the clouds.yaml Cellar wrote; JSON output parsed. */
async function os(...args: string[]): Promise<unknown> {
  const { stdout } = await run('openstack', ['--os-cloud', 'cellar', ...args, '-f', 'json'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: state,
      OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
    },
  });
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}

async function osPlain(...args: string[]): Promise<string> {
  const { stdout } = await run('openstack', ['--os-cloud', 'cellar', ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: state,
      OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
    },
  });
  return stdout;
}

type Row = Record<string, unknown>;

test('openstack database: datastores, an instance with a database and a user, databases and users changed, deleted', async () => {
  const datastores = (await os('datastore', 'list')) as Row[];
  assert.deepEqual(datastores.map((d) => d['Name']).sort(), ['mysql', 'postgresql', 'redis']);

  const created = (await os(
    'database',
    'instance',
    'create',
    'osc-db',
    '--flavor',
    '2',
    '--size',
    '1',
    '--datastore',
    'postgresql',
    '--datastore-version',
    '15',
    '--databases',
    'appdb',
    '--users',
    'app:app-secret',
  )) as Row;
  assert.equal(created['status'], 'BUILD');
  const id = String(created['id']);
  let shown: Row = {};
  for (let i = 0; i < 40; i++) {
    shown = (await os('database', 'instance', 'show', id)) as Row;
    if (shown['status'] !== 'BUILD') break;
  }
  assert.deepEqual([shown['status'], shown['operating_status']], ['ACTIVE', 'HEALTHY']);
  // Each field is a short cell, so the table `instance show` prints stays readable: one line
  // per field (a long value wraps onto lines without a field name), none wider than 120.
  const table = await osPlain('database', 'instance', 'show', id);
  const lines = table.split('\n');
  assert.ok(
    lines.every((line) => line.length <= 120 && !/^\|\s+\|/.test(line)),
    `instance show prints long or wrapped cells:\n${table}`,
  );
  const listed = (await os('database', 'instance', 'list')) as Row[];
  assert.ok(listed.some((r) => r['ID'] === id && r['Status'] === 'ACTIVE'));

  await osPlain('database', 'db', 'create', id, 'reports');
  assert.deepEqual(
    ((await os('database', 'db', 'list', id)) as Row[]).map((r) => r['Name']),
    ['appdb', 'reports'],
  );
  await osPlain('database', 'db', 'delete', id, 'reports');
  assert.deepEqual(
    ((await os('database', 'db', 'list', id)) as Row[]).map((r) => r['Name']),
    ['appdb'],
  );

  await osPlain(
    'database',
    'user',
    'create',
    id,
    'analyst',
    'analyst-secret',
    '--databases',
    'appdb',
  );
  assert.deepEqual(
    ((await os('database', 'user', 'list', id)) as Row[]).map((r) => r['Name']),
    ['analyst', 'app'],
  );
  await osPlain('database', 'user', 'delete', id, 'analyst');
  assert.deepEqual(
    ((await os('database', 'user', 'list', id)) as Row[]).map((r) => r['Name']),
    ['app'],
  );

  await osPlain('database', 'instance', 'delete', id);
  let remaining: Row[] = [{}];
  for (let i = 0; i < 20 && remaining.length > 0; i++)
    remaining = ((await os('database', 'instance', 'list')) as Row[]).filter((r) => r['ID'] === id);
  assert.deepEqual(remaining, []);
});

test('--os-auth-type admin_token with the configured token reaches the API directly', async () => {
  const { stdout: project } = await run(
    'openstack',
    ['--os-cloud', 'cellar', 'token', 'issue', '-f', 'value', '-c', 'project_id'],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: state,
        OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
      },
    },
  );
  const admin = [
    '--os-auth-type',
    'admin_token',
    '--os-token',
    ADMIN_TOKEN,
    '--os-endpoint',
    `http://127.0.0.1:${port}/v1.0/${project.trim()}`,
  ];
  const env = { PATH: process.env['PATH'] ?? '', HOME: state };
  const datastores = JSON.parse(
    (await run('openstack', [...admin, 'datastore', 'list', '-f', 'json'], { env })).stdout,
  ) as Row[];
  assert.equal(datastores.length, 3);
  const instances = JSON.parse(
    (await run('openstack', [...admin, 'database', 'instance', 'list', '-f', 'json'], { env }))
      .stdout,
  ) as Row[];
  assert.ok(Array.isArray(instances));
  await assert.rejects(
    run(
      'openstack',
      [
        '--os-auth-type',
        'admin_token',
        '--os-token',
        'wrong-token-wrong-token',
        '--os-endpoint',
        `http://127.0.0.1:${port}/v1.0/${project.trim()}`,
        'datastore',
        'list',
      ],
      { env },
    ),
    /401|Unauthorized|authentication/i,
  );
});
