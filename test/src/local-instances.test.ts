// One real PostgreSQL instance on the local compute driver through its whole life, as a user
// meets it: created through the API, reached with psql at its own address as its users and root,
// restarted, found again after Cellar restarts, its killed agent started again, deleted without
// a trace. The tests run in order on the same instance.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { deleteWithoutTrace, localCellarOfFile, settled as ready } from './support/local-cellar.js';
import { noPostgresql as skip, psql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const local = localCellarOfFile(skip);

const { api } = local;
const file = (id: string, ...path: string[]): string => join(local.state, 'instances', id, ...path);
const app = (address: string, sql: string) => psql(address, 'app', 'app-Secret-1', 'appdb', sql);

/** The instance the tests share, once the first has made it. */
let one: { id: string; address: string } | undefined;
const made = (): { id: string; address: string } => {
  assert.ok(one, 'the first test made no instance');
  return one;
};

test(
  'a PostgreSQL instance through the API is ACTIVE at its own address, made ahead by a standby agent, and psql reaches it as its users and root',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-one',
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version: local.version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, ready, 'ACTIVE', 90, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
    assert.ok(address.startsWith(local.addressPrefix), `${address} is in the deployment's pool`);
    assert.deepEqual(active['addresses'], [{ address, type: 'private' }]);
    one = { id, address };
    // The standby agent that became this instance's had run initdb before the create came.
    assert.match(
      await readFile(file(id, 'log', 'guest.log'), 'utf8'),
      /initialised ahead by the standby agent is used/,
    );

    const filled = await app(
      address,
      'CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$one$$), (2, $$two$$); SELECT count(*) FROM notes;',
    );
    assert.ok(filled.ok, filled.out);
    assert.match(filled.out, /2$/);
    assert.equal((await psql(address, 'app', 'wrong-password', 'appdb', 'SELECT 1')).ok, false);
    const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
    assert.equal(typeof (shown['volume'] as Json)['used'], 'number', "the guest's volume usage");

    const users = {
      users: [{ name: 'reader', password: 'reader-Secret-2', databases: [{ name: 'appdb' }] }],
    };
    assert.equal((await api('POST', `/instances/${id}/users`, users)).status, 202);
    assert.deepEqual(
      await psql(address, 'reader', 'reader-Secret-2', 'appdb', 'SELECT current_user'),
      { ok: true, out: 'reader' },
    );
    const root = await api('POST', `/instances/${id}/root`);
    assert.equal(root.status, 200);
    const rootUser = root.json['user'] as Json;
    assert.equal(rootUser['name'], 'root');
    const superuser = 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user';
    assert.deepEqual(
      await psql(address, 'root', String(rootUser['password']), 'postgres', superuser),
      { ok: true, out: 't' },
    );

    // A configuration group that does not exist is refused naming it, before any work.
    const configured = await api('POST', '/instances', {
      instance: {
        name: 'configured',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
        configuration: 'no-such-group',
      },
    });
    assert.equal(configured.status, 404);
    assert.match(JSON.stringify(configured.json), /no-such-group/);
  },
);

test(
  'a restart through the API starts its PostgreSQL again, and the data is still there',
  { skip },
  async () => {
    const { id, address } = made();
    const started = await app(address, 'SELECT pg_postmaster_start_time()');
    assert.ok(started.ok, started.out);
    assert.equal((await api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
    await waitFor(
      async () => {
        const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
        const now = await app(address, 'SELECT pg_postmaster_start_time()');
        return ready(shown) && now.ok && now.out !== started.out;
      },
      {
        timeout: 90_000,
        what: 'the instance to be ACTIVE with its server started again',
        interval: 200,
      },
    );
    const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
    assert.deepEqual([shown['status'], shown['operating_status']], ['ACTIVE', 'HEALTHY']);
    assert.deepEqual(await app(address, 'SELECT string_agg(body, $$,$$ ORDER BY id) FROM notes'), {
      ok: true,
      out: 'one,two',
    });
  },
);

test(
  'Cellar restarts and finds the instance again with its agent untouched; a killed agent is started again and answers',
  { skip },
  async () => {
    const { id, address } = made();
    // The guest and its server were never Cellar's children to lose.
    const guestPid = (await readFile(file(id, 'guest.pid'), 'utf8')).trim();
    await local.cellar.stop();
    assert.deepEqual(await app(address, 'SELECT count(*) FROM notes'), { ok: true, out: '2' });
    // Started again without standby agents: the instances made next start their agents from
    // nothing and run initdb themselves, the other way a create goes.
    await local.restart(['local.standby_agents=0']);
    const again = await local.session.untilInstance(id, ready, 'ACTIVE after the restart', 90, 200);
    assert.deepEqual([again['status'], again['operating_status']], ['ACTIVE', 'HEALTHY']);
    assert.equal((await readFile(file(id, 'guest.pid'), 'utf8')).trim(), guestPid);

    // Killed: Cellar starts another agent, which finds its server running, and the API reaches
    // the instance through it again.
    process.kill(Number(guestPid), 'SIGKILL');
    await waitFor(async () => (await readFile(file(id, 'guest.pid'), 'utf8')).trim() !== guestPid, {
      timeout: 30_000,
      what: 'a new guest agent',
    });
    assert.deepEqual(await app(address, 'SELECT count(*) FROM notes'), { ok: true, out: '2' });
    const listed = await waitFor(
      async () => {
        const answer = await api('GET', `/instances/${id}/databases`);
        return answer.status === 200 && answer;
      },
      { timeout: 30_000, what: "the new agent to answer the instance's database list" },
    );
    assert.deepEqual(listed.json, { databases: [{ name: 'appdb' }] });
  },
);

test(
  "as root, the instance's PostgreSQL runs as an OS user of its own",
  { skip: skip || (process.getuid?.() === 0 ? false : 'only root gives each instance an OS user') },
  async () => {
    const { id } = made();
    const { user } = JSON.parse(await readFile(file(id, 'instance.json'), 'utf8')) as {
      user?: { name: string; uid: number };
    };
    assert.match(user?.name ?? '', /^cellar-[0-9a-f]{8}$/);
    const pid = (await readFile(file(id, 'volume', 'data', 'postmaster.pid'), 'utf8')).split(
      '\n',
    )[0];
    assert.match(
      await readFile(`/proc/${pid ?? ''}/status`, 'utf8'),
      new RegExp(`\\nUid:\\s+${user?.uid ?? -1}\\s`),
    );
  },
);

test('a delete leaves no process, directory, address or OS user', { skip }, async () => {
  await deleteWithoutTrace(local, made().id);
});
