// Real PostgreSQL instances on the local compute driver as their clients meet them: allowed_cidrs
// enforced by PostgreSQL itself, and Debian's openstack client driving a whole life.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled as ready } from './support/local-cellar.js';
import { noPostgresql as skip, processesNaming, psql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
// Without standby agents: these instances start their agents from nothing and run initdb
// themselves, the other way a create goes.
const local = localCellarOfFile(skip, ['local.standby_agents=0']);

const { api } = local;
const app = (address: string, sql: string) => psql(address, 'app', 'app-Secret-1', 'appdb', sql);

test(
  'allowed_cidrs are enforced by PostgreSQL itself, and changing the access lets the same connection in',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-fenced',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version: local.version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
        access: { allowed_cidrs: ['10.0.0.0/24'] },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, ready, 'ACTIVE', 90, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
    assert.doesNotMatch(
      await readFile(join(local.state, 'instances', id, 'log', 'guest.log'), 'utf8'),
      /standby/,
      'no standby agents were kept',
    );
    const refused = await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT 1');
    assert.equal(refused.ok, false);
    assert.match(refused.out, /no pg_hba\.conf entry/);

    assert.equal(
      (
        await api('PUT', `/instances/${id}`, {
          instance: { access: { allowed_cidrs: ['127.0.0.1/32'] } },
        })
      ).status,
      202,
    );
    assert.deepEqual(await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT 1'), {
      ok: true,
      out: '1',
    });
    const rules = ((await api('GET', `/instances/${id}`)).json['instance'] as Json)['access'];
    assert.deepEqual(rules, { is_public: false, allowed_cidrs: ['127.0.0.1/32'] });

    assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
    await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
    assert.deepEqual(await processesNaming(id), []);
  },
);

/** Debian's openstack client with the clouds.yaml Cellar wrote; its JSON output parsed. */
async function os(...args: string[]): Promise<Json> {
  const { stdout } = await plain(...args, '-f', 'json');
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Json);
}

function plain(...args: string[]): Promise<{ stdout: string }> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: local.state,
    OS_CLIENT_CONFIG_FILE: join(local.state, 'clouds.yaml'),
  };
  return exec('openstack', ['--os-cloud', 'cellar', ...args], { env });
}

test(
  "Debian's openstack client creates a real instance that psql reaches, adds a user and root, restarts it with its data, and deletes it",
  { skip },
  async () => {
    const created = await os(
      ...'database instance create osc-pg --flavor 2 --size 1 --datastore postgresql'.split(' '),
      ...['--datastore-version', local.version, '--databases', 'appdb'],
      ...['--users', 'app:app-Secret-1'],
    );
    const id = String(created['id']);
    const shown = await waitFor(
      async () => {
        const answer = await os('database', 'instance', 'show', id);
        return ['ACTIVE', 'ERROR'].includes(String(answer['status'])) && answer;
      },
      { timeout: 120_000, what: '`openstack database instance show` to say ACTIVE' },
    );
    assert.equal(shown['status'], 'ACTIVE', JSON.stringify(shown));
    const address =
      /127\.\d+\.\d+\.\d+/.exec(JSON.stringify(shown['addresses'] ?? shown['ip']))?.[0] ?? '';
    assert.deepEqual(
      await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT current_database()'),
      { ok: true, out: 'appdb' },
    );

    await plain(
      ...'database user create'.split(' '),
      id,
      'second',
      'second-Secret-2',
      '--databases',
      'appdb',
    );
    assert.deepEqual(
      await psql(address, 'second', 'second-Secret-2', 'appdb', 'SELECT current_user'),
      { ok: true, out: 'second' },
    );
    const root = await os('database', 'root', 'enable', id);
    assert.deepEqual(
      await psql(address, 'root', String(root['password']), 'postgres', 'SELECT 1'),
      { ok: true, out: '1' },
    );
    const kept = await app(address, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
    assert.ok(kept.ok, kept.out);

    const started = await app(address, 'SELECT pg_postmaster_start_time()');
    await plain('database', 'instance', 'restart', id);
    await waitFor(
      async () => {
        const answer = await os('database', 'instance', 'show', id);
        const now = await app(address, 'SELECT pg_postmaster_start_time()');
        return answer['status'] === 'ACTIVE' && now.ok && now.out !== started.out;
      },
      { timeout: 120_000, what: 'the instance to be ACTIVE with its server started again' },
    );
    assert.deepEqual(await app(address, 'SELECT n FROM kept'), {
      ok: true,
      out: '7',
    });

    await plain('database', 'instance', 'delete', id);
    await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
    assert.deepEqual(await processesNaming(id), []);
    assert.equal(existsSync(join(local.state, 'instances', id)), false);
  },
);
