// Real PostgreSQL instances on the local compute driver, as a user meets them: created through the
// API and through Debian's openstack client, reached with psql at their own address, changed,
// restarted, found again after the control plane restarts, and deleted without a trace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import {
  endProcessesUnder,
  freePort,
  signIn,
  type ApiSession,
  type Json,
} from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';

const exec = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const majors = existsSync(PG_ROOT)
  ? readdirSync(PG_ROOT).filter((m) => existsSync(join(PG_ROOT, m, 'bin', 'postgres')))
  : [];
const skip = majors.length === 0 ? 'PostgreSQL is not installed (scripts/test installs it)' : false;
const psqlBin = join(PG_ROOT, majors.sort().at(-1) ?? '15', 'bin', 'psql');

let state: string;
let port: number;
let cellar: CellarUp;
let session: ApiSession;
let version: string;

const settings = (): string[] => [
  `DEFAULT.state_path=${state}`,
  `DEFAULT.bind_port=${port}`,
  'identity.bootstrap_password=local-admin-secret',
  'local.report_interval=1',
  'local.watch_interval=0.5',
  'postgresql.usage_timeout=120',
  // These tests poll; the rate limits have their own test.
  'DEFAULT.http_get_rate=100000',
  'DEFAULT.http_post_rate=100000',
];

before(async () => {
  if (skip) return;
  state = await mkdtemp(join(tmpdir(), 'cellar-local-'));
  port = await freePort();
  cellar = await startCellarUp(settings());
  session = await signIn(`http://127.0.0.1:${port}`, 'admin', 'local-admin-secret');
  version =
    (((await api('GET', '/datastores/postgresql/versions')).json['versions'] as Json[])[0]?.[
      'name'
    ] as string | undefined) ?? '';
});

after(async () => {
  if (skip) return;
  // Whatever a failed test left: delete it through Cellar, then stop Cellar.
  const left = (await api('GET', '/instances')).json['instances'] as Json[] | undefined;
  for (const i of left ?? []) await api('DELETE', `/instances/${String(i['id'])}`);
  for (const i of left ?? [])
    await until(String(i['id']), (x) => 'gone' in x, 'deleted').catch(() => undefined);
  await cellar.stop();
  await endProcessesUnder(state);
  await rm(state, { recursive: true, force: true });
});

const api: ApiSession['call'] = (method, path, body) => session.call(method, path, body);
const until = (
  id: string,
  predicate: (instance: Json) => boolean,
  what: string,
  seconds = 90,
): Promise<Json> => session.untilInstance(id, predicate, what, seconds, 200);

const ready = (i: Json): boolean =>
  (i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY') || i['status'] === 'ERROR';

/** psql as a user would run it: over TCP to the instance's address, with a password. */
async function psql(
  address: string,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await exec(
      psqlBin,
      ['-h', address, '-U', user, '-d', database, '-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      {
        env: { PATH: process.env['PATH'] ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      },
    );
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
  }
}

/** Processes whose command line mentions the instance (its guest, its postgres). */
async function processesOf(id: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(id)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

const addressOf = (i: Json): string => (i['ip'] as string[] | undefined)?.[0] ?? '';

test(
  'a PostgreSQL instance through the API: psql as its users and root, restarted, found again after Cellar restarts, its killed agent started again, deleted without a trace',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-one',
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await until(id, ready, 'ACTIVE');
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = addressOf(active);
    assert.match(address, /^127\.42\.\d+\.\d+$/);
    assert.deepEqual(active['addresses'], [{ address, type: 'private' }]);
    // The standby agent that became this instance's had run initdb before the create came.
    assert.match(
      await readFile(join(state, 'instances', id, 'log', 'guest.log'), 'utf8'),
      /initialised ahead by the standby agent is used/,
    );

    // Connect as the user the create made, and make and fill a table.
    const filled = await psql(
      address,
      'app',
      'app-Secret-1',
      'appdb',
      'CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$one$$), (2, $$two$$); SELECT count(*) FROM notes;',
    );
    assert.ok(filled.ok, filled.out);
    assert.match(filled.out, /2$/);
    assert.equal((await psql(address, 'app', 'wrong-password', 'appdb', 'SELECT 1')).ok, false);

    // The volume's used space, from the guest.
    const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
    assert.equal(typeof (shown['volume'] as Json)['used'], 'number');

    // A second user added through the API connects too.
    assert.equal(
      (
        await api('POST', `/instances/${id}/users`, {
          users: [{ name: 'reader', password: 'reader-Secret-2', databases: [{ name: 'appdb' }] }],
        })
      ).status,
      202,
    );
    assert.deepEqual(
      await psql(address, 'reader', 'reader-Secret-2', 'appdb', 'SELECT current_user'),
      { ok: true, out: 'reader' },
    );

    // Root, enabled through the API, is a superuser.
    const root = await api('POST', `/instances/${id}/root`);
    assert.equal(root.status, 200);
    const rootUser = root.json['user'] as Json;
    assert.equal(rootUser['name'], 'root');
    assert.deepEqual(
      await psql(
        address,
        'root',
        String(rootUser['password']),
        'postgres',
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      ),
      { ok: true, out: 't' },
    );

    // Something PostgreSQL's plugin does not declare answers 501 naming both, before any RPC.
    const backup = await api('POST', '/backups', { backup: { name: 'b1', instance: id } });
    assert.equal(backup.status, 501);
    assert.match(JSON.stringify(backup.json), /create_backup.*postgresql/);

    // Restart through the API: the data is still there.
    assert.equal((await api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
    await until(id, (i) => i['status'] === 'REBOOT', 'REBOOT', 10).catch(() => undefined);
    assert.equal((await until(id, ready, 'ACTIVE again'))['status'], 'ACTIVE');
    assert.deepEqual(
      await psql(
        address,
        'app',
        'app-Secret-1',
        'appdb',
        'SELECT string_agg(body, $$,$$ ORDER BY id) FROM notes',
      ),
      { ok: true, out: 'one,two' },
    );

    // Cellar restarts; the guest and its server were never its children to lose.
    const guestPid = (await readFile(join(state, 'instances', id, 'guest.pid'), 'utf8')).trim();
    await cellar.stop();
    assert.deepEqual(
      await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT count(*) FROM notes'),
      { ok: true, out: '2' },
    );
    // Restarted without standby agents: the instances of the tests that follow start their agents
    // from nothing and run initdb themselves, the other way a create goes.
    cellar = await startCellarUp([...settings(), 'local.standby_agents=0']);
    const again = await until(id, ready, 'ACTIVE after the restart');
    assert.deepEqual([again['status'], again['operating_status']], ['ACTIVE', 'HEALTHY']);
    assert.equal(
      (await readFile(join(state, 'instances', id, 'guest.pid'), 'utf8')).trim(),
      guestPid,
    );

    // The agent is killed: Cellar starts another, which finds its server running, and the API can
    // reach the instance through it again.
    process.kill(Number(guestPid), 'SIGKILL');
    const deadline = Date.now() + 30_000;
    let revived = guestPid;
    while (revived === guestPid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      revived = (await readFile(join(state, 'instances', id, 'guest.pid'), 'utf8')).trim();
    }
    assert.notEqual(revived, guestPid, 'no new guest agent within 30 s');
    assert.deepEqual(
      await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT count(*) FROM notes'),
      { ok: true, out: '2' },
    );
    let listed = await api('GET', `/instances/${id}/databases`);
    while (listed.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      listed = await api('GET', `/instances/${id}/databases`);
    }
    assert.equal(listed.status, 200, JSON.stringify(listed.json));

    // As root, the instance has an OS user of its own, and its server runs as that user.
    const user = (
      JSON.parse(await readFile(join(state, 'instances', id, 'instance.json'), 'utf8')) as {
        user?: { name: string; uid: number };
      }
    ).user;
    if (process.getuid?.() === 0) {
      assert.match(user?.name ?? '', /^cellar-[0-9a-f]{8}$/);
      const postmaster =
        (
          await readFile(join(state, 'instances', id, 'volume', 'data', 'postmaster.pid'), 'utf8')
        ).split('\n')[0] ?? '';
      assert.match(
        await readFile(`/proc/${postmaster}/status`, 'utf8'),
        new RegExp(`\\nUid:\\s+${user?.uid ?? -1}\\s`),
      );
    }

    // Delete: no process, no directory, no address and no user left.
    assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
    await until(id, (i) => 'gone' in i, 'deleted', 60);
    assert.deepEqual(await processesOf(id), []);
    assert.equal(existsSync(join(state, 'instances', id)), false);
    assert.deepEqual(await readdir(join(state, 'instances', '.addresses')), []);
    if (user)
      assert.equal(
        (await exec('id', [user.name]).catch(() => undefined)) === undefined,
        true,
        `user ${user.name} is still there`,
      );
  },
);

test(
  'allowed_cidrs are enforced by PostgreSQL itself, and changing the access lets the same connection in',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-fenced',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
        access: { allowed_cidrs: ['10.0.0.0/24'] },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await until(id, ready, 'ACTIVE');
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = addressOf(active);
    assert.doesNotMatch(
      await readFile(join(state, 'instances', id, 'log', 'guest.log'), 'utf8'),
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
    await until(id, (i) => 'gone' in i, 'deleted', 60);
    assert.deepEqual(await processesOf(id), []);
  },
);

test(
  'an agent that died and cannot start again: the instance says why, and Cellar brings it back once it can',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-revived',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    assert.equal((await until(id, ready, 'ACTIVE'))['status'], 'ACTIVE');

    // Its configuration broken, then its agent killed: the next agent refuses to start.
    const conf = join(state, 'instances', id, 'cellar-guest.conf');
    const good = await readFile(conf, 'utf8');
    await writeFile(conf, good.replace(/^report_interval = .*$/m, 'report_interval = never'));
    process.kill(
      Number((await readFile(join(state, 'instances', id, 'guest.pid'), 'utf8')).trim()),
      'SIGKILL',
    );
    const faultOf = (i: Json): string => {
      const message = (i['fault'] as Json | undefined)?.['message'];
      return typeof message === 'string' ? message : '';
    };
    const faulted = await until(
      id,
      (i) => /could not be started again/.test(faultOf(i)),
      'a fault',
      30,
    );
    assert.match(faultOf(faulted), /report_interval/);

    // Mended: a later attempt (the delay doubles from 1 s) starts it, and the guest answers again.
    await writeFile(conf, good);
    const deadline = Date.now() + 30_000;
    let listed = await api('GET', `/instances/${id}/databases`);
    while (listed.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      listed = await api('GET', `/instances/${id}/databases`);
    }
    assert.equal(listed.status, 200, JSON.stringify(listed.json));

    assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
    await until(id, (i) => 'gone' in i, 'deleted', 60);
    assert.deepEqual(await processesOf(id), []);
  },
);

test(
  'a datastore without a guest half ends in ERROR saying so, and its delete leaves nothing',
  { skip },
  async () => {
    const versions = (await api('GET', '/datastores/redis/versions')).json['versions'] as
      Json[] | undefined;
    if (!versions?.length) return;
    const created = await api('POST', '/instances', {
      instance: {
        name: 'no-guest',
        flavorRef: '1',
        datastore: { type: 'redis', version: String(versions[0]?.['name']) },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const failed = await until(id, (i) => i['status'] === 'ERROR', 'ERROR', 30);
    assert.match(
      String((failed['fault'] as Json | undefined)?.['message']),
      /redis datastore plugin has no guest half/,
    );
    assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
    await until(id, (i) => 'gone' in i, 'deleted', 30);
    assert.equal(existsSync(join(state, 'instances', id)), false);
  },
);

test(
  "Debian's openstack client creates a real instance that psql reaches, adds a user and root, restarts it with its data, and deletes it",
  { skip },
  async () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: state,
      OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
    };
    const os = async (...args: string[]): Promise<Json> => {
      const { stdout } = await exec('openstack', ['--os-cloud', 'cellar', ...args, '-f', 'json'], {
        env,
      });
      return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Json);
    };
    const plain = (...args: string[]) =>
      exec('openstack', ['--os-cloud', 'cellar', ...args], { env });
    const created = await os(
      'database',
      'instance',
      'create',
      'osc-pg',
      '--flavor',
      '2',
      '--size',
      '1',
      '--datastore',
      'postgresql',
      '--datastore-version',
      version,
      '--databases',
      'appdb',
      '--users',
      'app:app-Secret-1',
    );
    const id = String(created['id']);
    let shown: Json = {};
    for (let i = 0; i < 300 && shown['status'] !== 'ACTIVE' && shown['status'] !== 'ERROR'; i++)
      shown = await os('database', 'instance', 'show', id);
    assert.equal(shown['status'], 'ACTIVE', JSON.stringify(shown));
    const address =
      /127\.42\.\d+\.\d+/.exec(JSON.stringify(shown['addresses'] ?? shown['ip']))?.[0] ?? '';
    assert.deepEqual(
      await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT current_database()'),
      { ok: true, out: 'appdb' },
    );

    await plain(
      'database',
      'user',
      'create',
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
    const kept = await psql(
      address,
      'app',
      'app-Secret-1',
      'appdb',
      'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)',
    );
    assert.ok(kept.ok, kept.out);

    await plain('database', 'instance', 'restart', id);
    // The restart is over when its operation says so (the timeline is its own resource).
    for (const deadline = Date.now() + 60_000; ;) {
      const [op] = (await api('GET', `/instances/${id}/operations`)).json['operations'] as Json[];
      if (op?.['kind'] === 'restart' && op['status'] === 'succeeded') break;
      assert.ok(Date.now() < deadline, `the restart never ended: ${JSON.stringify(op)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await until(
      id,
      (i) => i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY',
      'restarted',
    );
    assert.deepEqual(await psql(address, 'app', 'app-Secret-1', 'appdb', 'SELECT n FROM kept'), {
      ok: true,
      out: '7',
    });

    await plain('database', 'instance', 'delete', id);
    await until(id, (i) => 'gone' in i, 'deleted', 60);
    assert.deepEqual(await processesOf(id), []);
    assert.equal(existsSync(join(state, 'instances', id)), false);
  },
);
