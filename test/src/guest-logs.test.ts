// Guest logs of a real PostgreSQL instance on the local compute driver, published to the local
// backup storage, as a user meets them: through the API and Debian's openstack client, list the
// logs, enable the general and slow query logs, run statements, publish, read the published text
// back through the API (no storage credentials needed), and discard it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { signIn, type Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { guestLogClient } from './support/guest-logs.js';
import { deleteWithoutTrace, localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql as skip, psql } from './support/local-postgresql.js';
import { runTool } from './support/repo.js';

const exec = promisify(execFile);
const storage = await mkdtemp(join(tmpdir(), 'cellar-logs-'));
// Guests run as users of their own when the tests run as root: they pass through to their project's.
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(skip, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
]);
const { api } = local;
const PASSWORD = 'app-Secret-1';

/** Debian's openstack client with the clouds.yaml Cellar wrote; its JSON output parsed. */
async function os(...args: string[]): Promise<Json> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: local.state,
    OS_CLIENT_CONFIG_FILE: join(local.state, 'clouds.yaml'),
  };
  const { stdout } = await exec('openstack', ['--os-cloud', 'cellar', ...args, '-f', 'json'], {
    env,
  });
  return JSON.parse(stdout) as Json;
}

const { act: logAction, read: readLog, publishedWith } = guestLogClient(local);

/** The general log stays on across a restart: the server reads cellar-logs.conf at every start. */
async function generalLogSurvivesRestart(id: string, address: string): Promise<void> {
  const restart = await local.api('POST', `/instances/${id}/action`, { restart: {} });
  assert.equal(restart.status, 202, JSON.stringify(restart.json));
  await local.session.untilInstance(id, settled, 'ACTIVE', 120, 250);
  const mark = `restarted-${randomBytes(4).toString('hex')}`;
  const probe = await psql(address, 'app', PASSWORD, 'appdb', `SELECT '${mark}'`);
  assert.ok(probe.ok, probe.out);
  await publishedWith(id, 'general', mark);
}

/**
 * A member of the project (no admin role) sees and reads only the logs guest_log_exposed_logs
 * names (general and slow_query by default), not the server's or the agent's own.
 */
async function aMemberSeesOnlyExposedLogs(id: string): Promise<void> {
  const name = `member-${randomBytes(3).toString('hex')}`;
  const made = await runTool('cellar-manage', [
    ...['user', 'create', name, '--project', 'admin', '--password', 'member-Secret-1'],
    ...['--set', `DEFAULT.state_path=${local.state}`],
  ]);
  assert.equal(made.code, 0, JSON.stringify(made));
  const member = await signIn(`http://127.0.0.1:${local.port}`, name, 'member-Secret-1', 'admin');
  const seen = (await member.call('GET', `/instances/${id}/log`)).json['logs'] as Json[];
  assert.deepEqual(
    seen.map((l) => l['name']),
    ['general', 'slow_query'],
  );
  const hidden = await member.call('POST', `/instances/${id}/log`, { name: 'guest', publish: 1 });
  assert.equal(hidden.status, 404, JSON.stringify(hidden.json));
  assert.match(JSON.stringify(hidden.json), /general, slow_query/);
  const read = (log: string) =>
    fetch(`http://127.0.0.1:${local.port}/v1.0/${member.project}/instances/${id}/log/${log}`, {
      headers: { 'x-auth-token': member.token },
    });
  assert.equal((await read('guest')).status, 404, 'the published guest log is not theirs to read');
  assert.equal((await read('general')).status, 200);
}

test(
  'PostgreSQL guest logs: list, enable, publish, read through the API and the openstack client, discard',
  { skip },
  async () => {
    const instance = await activeInstance(local, {
      name: 'pg-logs',
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'postgresql', version: local.version },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
    });
    const { id, address } = instance;
    const listed = (await api('GET', `/instances/${id}/log`)).json['logs'] as Json[];
    assert.deepEqual(
      listed.map((l) => [l['name'], l['type'], l['status']]),
      [
        ['error', 'SYS', 'Ready'],
        ['general', 'USER', 'Disabled'],
        ['slow_query', 'USER', 'Disabled'],
        ['guest', 'SYS', 'Ready'],
      ],
    );
    const general = listed[1] as Json;
    assert.equal(general['prefix'], `${id}/postgresql-general/`);
    assert.equal(general['metafile'], `${id}/postgresql-general_metafile`);
    assert.equal(general['container'], 'database_logs');

    // Enabled without a restart: the next session's statements are logged.
    assert.equal((await logAction(id, { name: 'general', enable: 1 }))['status'], 'Enabled');
    const mark = `probe-${randomBytes(4).toString('hex')}`;
    const probe = await psql(address, 'app', PASSWORD, 'appdb', `SELECT '${mark}'`);
    assert.ok(probe.ok, probe.out);
    // A password set through the API while the general log is on stays out of it.
    const secret = `Secret-${randomBytes(6).toString('hex')}`;
    const user = await api('POST', `/instances/${id}/users`, {
      users: [{ name: 'second', password: secret }],
    });
    assert.equal(user.status, 202, JSON.stringify(user.json));
    const text = await publishedWith(id, 'general', mark);
    assert.match(text, new RegExp(`LOG: {2}statement: SELECT '${mark}'`));
    assert.ok(!text.includes(secret), 'the password reached the general log');
    assert.ok(!text.includes('duration:'), 'the general log holds only statements');
    const shown = await logAction(id, { name: 'general' });
    assert.equal(shown['status'], 'Published');
    assert.ok(Number(shown['published']) > 0, JSON.stringify(shown));

    const tail = await readLog(id, 'general?lines=1');
    assert.equal(tail.status, 200);
    assert.equal(tail.text.split('\n').filter((l) => l !== '').length, 1);

    // The slow query log: a statement over guest_log_long_query_time (1 s) appears in it.
    await logAction(id, { name: 'slow_query', enable: 1 });
    const fast = await psql(address, 'app', PASSWORD, 'appdb', `SELECT 'fast-${mark}'`);
    assert.ok(fast.ok, fast.out);
    const slow = await psql(address, 'app', PASSWORD, 'appdb', `SELECT pg_sleep(1.1), '${mark}'`);
    assert.ok(slow.ok, slow.out);
    const slowText = await publishedWith(id, 'slow_query', mark);
    // The general log is on too: the statement comes in its own entry, before its duration.
    assert.match(
      slowText,
      /statement: SELECT pg_sleep\(1\.1\)[^\n]*\n[^\n]*LOG: {2}duration: \d+\.\d+ ms/,
    );
    assert.ok(!slowText.includes('fast-'), 'a fast statement reached the slow query log');

    // Trove's client: list, show, and publish with `log set`.
    const osList = (await os('database', 'log', 'list', id)) as unknown as Json[];
    assert.deepEqual(
      osList.map((l) => l['Name']),
      ['error', 'general', 'slow_query', 'guest'],
    );
    // Statements since the publish (the slow ones) are pending in the general log now.
    const osShown = await os('database', 'log', 'show', id, 'general');
    assert.deepEqual([osShown['name'], osShown['status']], ['general', 'Partial']);
    assert.ok(Number(osShown['pending']) > 0, JSON.stringify(osShown));
    // The agent's own log, published: it notes the publish itself, so more may be pending again.
    const osSet = await os('database', 'log', 'set', id, 'guest', '--publish');
    assert.ok(Number(osSet['published']) > 0, JSON.stringify(osSet));
    assert.match((await readLog(id, 'guest')).text, /guest agent serving/);

    await aMemberSeesOnlyExposedLogs(id);

    // Refusals name the problem.
    const both = await api('POST', `/instances/${id}/log`, {
      name: 'general',
      enable: 1,
      disable: 1,
    });
    assert.equal(both.status, 400);
    assert.match(JSON.stringify(both.json), /enabled and disabled/);
    const sys = await api('POST', `/instances/${id}/log`, { name: 'error', disable: 1 });
    assert.equal(sys.status, 400);
    assert.match(JSON.stringify(sys.json), /SYS log/);

    await generalLogSurvivesRestart(id, address);

    // Discard: the published objects are gone, so is the text the API reads.
    const discarded = await logAction(id, { name: 'general', discard: 1 });
    assert.equal(discarded['published'], 0);
    assert.equal((await readLog(id, 'general')).status, 404);
    assert.equal((await logAction(id, { name: 'general', disable: 1 }))['status'], 'Disabled');

    await deleteWithoutTrace(local, id);
  },
);
