// Configuration groups on real servers of the local compute driver, as a user drives them with
// Debian's openstack client: PostgreSQL's max_connections after a restart, changed and detached;
// the dry run; a value the server refuses rolled back with the fault; MariaDB's at create and live.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql as skip, psql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const local = localCellarOfFile(skip, ['mysql.usage_timeout=120']);
const noMariadb =
  !existsSync('/usr/sbin/mariadbd') && "MariaDB is not installed (Debian's mariadb-server)";

/** Debian's openstack client with the clouds.yaml Cellar wrote. */
async function os(...args: string[]): Promise<Json> {
  const { stdout } = await exec('openstack', ['--os-cloud', 'cellar', ...args, '-f', 'json'], {
    env: osEnv(),
  });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Json);
}
/** A command that prints nothing on success; its failure's stderr when it fails. */
async function osRun(...args: string[]): Promise<{ ok: boolean; err: string }> {
  try {
    await exec('openstack', ['--os-cloud', 'cellar', ...args], { env: osEnv() });
    return { ok: true, err: '' };
  } catch (error) {
    return { ok: false, err: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}
const osEnv = () => ({
  PATH: process.env['PATH'] ?? '',
  HOME: local.state,
  OS_CLIENT_CONFIG_FILE: join(local.state, 'clouds.yaml'),
});

/** Waits for `openstack database instance show` to say `status` (or ERROR). */
async function untilStatus(id: string, status: string): Promise<Json> {
  const shown = await waitFor(
    async () => {
      const answer = await os('database', 'instance', 'show', id);
      return [status, 'ERROR'].includes(String(answer['status'])) && answer;
    },
    { timeout: 180_000, what: `the instance to be ${status}` },
  );
  assert.equal(shown['status'], status, JSON.stringify(shown));
  return shown;
}

/** A PostgreSQL instance made with the client, ACTIVE, with root enabled: its address and root password. */
async function pgInstance(name: string): Promise<{ id: string; address: string; root: string }> {
  const created = await os(
    ...`database instance create ${name} --flavor 2 --size 1 --datastore postgresql`.split(' '),
    ...['--datastore-version', local.version],
  );
  const id = String(created['id']);
  const active = await local.session.untilInstance(id, settled, 'ACTIVE', 180, 300);
  assert.equal(active['status'], 'ACTIVE', JSON.stringify(active));
  const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
  const root = String((await os('database', 'root', 'enable', id))['password']);
  return { id, address, root };
}

const show = async (address: string, root: string, parameter: string) =>
  (await psql(address, 'root', root, 'postgres', `SHOW ${parameter}`)).out;

/** Restarts with the client and waits for ACTIVE with the database answering. */
async function restart(id: string): Promise<void> {
  assert.ok((await osRun('database', 'instance', 'restart', id)).ok);
  await local.session.untilInstance(id, settled, 'ACTIVE after the restart', 180, 300);
}

/** What the client shows of a version's parameters and of the group made with it. */
async function clientViews(cfg: string): Promise<void> {
  const list = async (...args: string[]) =>
    JSON.parse(
      (await exec('openstack', ['--os-cloud', 'cellar', ...args, '-f', 'json'], { env: osEnv() }))
        .stdout,
    ) as Json[];
  const params = await list(
    ...'database configuration parameter list --datastore postgresql'.split(' '),
    local.version,
  );
  const maxConnections = params.find((p) => p['Name'] === 'max_connections');
  assert.deepEqual(maxConnections, {
    Name: 'max_connections',
    Type: 'integer',
    'Min Size': 1,
    'Max Size': 262143,
    'Restart Required': true,
  });
  const workMem = await os(
    ...'database configuration parameter show --datastore postgresql'.split(' '),
    local.version,
    'work_mem',
  );
  assert.equal(workMem['restart_required'], false);
  const groups = await list('database', 'configuration', 'list');
  assert.ok(groups.some((g) => g['ID'] === cfg && g['Datastore Name'] === 'postgresql'));
  const shown = await os('database', 'configuration', 'show', cfg);
  assert.equal(shown['instance_count'], 0);
}

test(
  "PostgreSQL's max_connections from a group: RESTART_REQUIRED, then the new value after a restart; set again; detached back to the default",
  { skip },
  async () => {
    const { id, address, root } = await pgInstance('cfg-pg');
    const before = await show(address, root, 'max_connections');
    const group = await os(
      ...'database configuration create pg-tuned {"max_connections":150}'.split(' '),
      ...['--datastore', 'postgresql', '--datastore-version', local.version],
    );
    const cfg = String(group['id']);
    await clientViews(cfg);
    assert.equal((JSON.parse(String(group['values'])) as Json)['max_connections'], 150);
    assert.ok((await osRun('database', 'configuration', 'attach', id, cfg)).ok);
    const waiting = await untilStatus(id, 'RESTART_REQUIRED');
    assert.match(JSON.stringify(waiting['configuration']), new RegExp(cfg));
    assert.equal(await show(address, root, 'max_connections'), before, 'not before a restart');
    await restart(id);
    assert.equal(await show(address, root, 'max_connections'), '150');

    assert.ok((await osRun('database', 'configuration', 'set', cfg, '{"max_connections":175}')).ok);
    await untilStatus(id, 'RESTART_REQUIRED');
    await restart(id);
    assert.equal(await show(address, root, 'max_connections'), '175');
    const members = (
      await exec(
        'openstack',
        ['--os-cloud', 'cellar', 'database', 'configuration', 'instances', cfg, '-f', 'json'],
        { env: osEnv() },
      )
    ).stdout;
    assert.match(members, new RegExp(id));
    const refused = await osRun('database', 'configuration', 'delete', cfg);
    assert.equal(refused.ok, false);
    assert.match(refused.err, /cannot be deleted if it is associated/);

    assert.ok((await osRun('database', 'configuration', 'detach', id)).ok);
    await untilStatus(id, 'RESTART_REQUIRED');
    await restart(id);
    assert.equal(await show(address, root, 'max_connections'), before);
    assert.ok((await osRun('database', 'configuration', 'delete', cfg)).ok);
    assert.ok((await osRun('database', 'instance', 'delete', id)).ok);
  },
);

test(
  'the dry run answers what would change and changes nothing; a value PostgreSQL refuses is rolled back and the fault says why; bad values get 422',
  { skip },
  async () => {
    const { id, address, root } = await pgInstance('cfg-pg-refused');
    const created = await local.api('POST', '/configurations', {
      configuration: {
        name: 'zone',
        values: { TimeZone: 'UTC', work_mem: 8192 },
        datastore: { type: 'postgresql', version: local.version },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const cfg = String((created.json['configuration'] as Json)['id']);
    const dry = await local.api('PUT', `/instances/${id}?dry_run=true`, {
      instance: { configuration: cfg },
    });
    assert.equal(dry.status, 200, JSON.stringify(dry.json));
    const planned = ((dry.json['dry_run'] as Json)['instances'] as Json[])[0] ?? {};
    assert.equal(planned['restart_required'], false);
    assert.deepEqual(
      (planned['changes'] as Json[]).map((c) => c['name']),
      ['TimeZone', 'work_mem'],
    );
    assert.notEqual(await show(address, root, 'work_mem'), '8MB', 'the dry run changed nothing');
    assert.equal(
      (await local.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } })).status,
      202,
    );
    await waitFor(async () => (await show(address, root, 'work_mem')) === '8MB', {
      timeout: 60_000,
      what: 'work_mem to be applied without a restart',
    });

    const patched = await local.api('PATCH', `/configurations/${cfg}`, {
      configuration: { values: { TimeZone: 'Not/A_Zone' } },
    });
    assert.equal(patched.status, 200);
    const faulted = await local.session.untilInstance(
      id,
      (i) => /Not\/A_Zone/.test(JSON.stringify(i['fault'] ?? '')),
      'faulted with the refused value',
      60,
      300,
    );
    assert.match(String((faulted['fault'] as Json)['message']), /TimeZone/);
    assert.equal(faulted['status'], 'ACTIVE');
    assert.equal(await show(address, root, 'TimeZone'), 'UTC', 'the previous value is back');

    const bad = await local.api('PATCH', `/configurations/${cfg}`, {
      configuration: { values: { max_connections: 0, shared_buffers: 10_000_000 } },
    });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.json), /max_connections: 0 is below the minimum 1/);
    assert.match(
      JSON.stringify(bad.json),
      /shared_buffers: 10000000 .* more than the 2048 MB of RAM of flavor 2/,
    );
    assert.equal((await local.api('DELETE', `/instances/${id}`)).status, 202);
  },
);

/** The mariadb client as root at the instance's address. */
async function mariadb(address: string, password: string, sql: string): Promise<string> {
  const { stdout } = await exec('mariadb', ['-h', address, '-u', 'root', '-N', '-B', '-e', sql], {
    env: { ...process.env, MYSQL_PWD: password },
    timeout: 20_000,
  });
  return stdout.trim();
}

test(
  'a MariaDB instance created with a group starts with its max_connections; detached it goes back to the default and attached again it takes the value at once, without a restart',
  { skip: skip || noMariadb },
  async () => {
    const versions = (await local.api('GET', '/datastores/mysql/versions')).json[
      'versions'
    ] as Json[];
    const version = String(versions[0]?.['name']);
    const group = String(
      (
        await os(
          ...'database configuration create maria-tuned {"max_connections":77}'.split(' '),
          ...['--datastore', 'mysql', '--datastore-version', version],
        )
      )['id'],
    );
    const created = await os(
      ...'database instance create cfg-maria --flavor 2 --size 1 --datastore mysql'.split(' '),
      ...['--datastore-version', version, '--configuration', group],
    );
    const id = String(created['id']);
    const active = await local.session.untilInstance(id, settled, 'ACTIVE', 180, 300);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active));
    assert.equal((active['configuration'] as Json | undefined)?.['id'], group);
    const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
    const root = String((await os('database', 'root', 'enable', id))['password']);
    const maxConnections = () => mariadb(address, root, 'SELECT @@max_connections');
    assert.equal(await maxConnections(), '77', 'in force from the first start');

    assert.ok((await osRun('database', 'configuration', 'detach', id)).ok);
    await waitFor(async () => (await maxConnections()) !== '77', {
      timeout: 60_000,
      what: 'max_connections to go back to its default without a restart',
    });
    const byDefault = await maxConnections();
    assert.ok((await osRun('database', 'configuration', 'attach', id, group)).ok);
    await waitFor(async () => (await maxConnections()) === '77', {
      timeout: 60_000,
      what: 'max_connections to be 77 again without a restart',
    });
    assert.equal((await os('database', 'instance', 'show', id))['status'], 'ACTIVE');
    assert.notEqual(byDefault, '77');
    assert.ok((await osRun('database', 'instance', 'delete', id)).ok);
  },
);
