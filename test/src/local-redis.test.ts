// One real Redis instance on the local compute driver, as a user meets it: created through the
// API, reached with redis-cli at its own address as an ACL user and as root, its users listed
// and changed through Trove's routes, databases answered 501, and deleted without a trace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled as ready } from './support/local-cellar.js';
import { noPostgresql, processesNaming } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const skip =
  noPostgresql ||
  (existsSync('/usr/bin/redis-server') && existsSync('/usr/bin/redis-cli')
    ? false
    : 'Redis is not installed (Debian packages redis-server and redis-tools)');
const local = localCellarOfFile(skip);

const { api } = local;

/** redis-cli as a user runs it; -e makes a refused command fail. */
async function cli(
  address: string,
  user: string | undefined,
  password: string,
  ...command: string[]
) {
  try {
    const { stdout } = await exec(
      'redis-cli',
      ['-h', address, ...(user === undefined ? [] : ['--user', user]), '-e', ...command],
      { env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: password } },
    );
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

let one: { id: string; address: string } | undefined;
const made = (): { id: string; address: string } => {
  assert.ok(one, 'the first test made no instance');
  return one;
};

test('a Redis create without a volume is refused naming the volume', { skip }, async () => {
  const versions = (await api('GET', '/datastores/redis/versions')).json['versions'] as Json[];
  const refused = await api('POST', '/instances', {
    instance: {
      name: 'no-volume',
      flavorRef: '1',
      datastore: { type: 'redis', version: versions[0]?.['name'] },
    },
  });
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.json), /redis datastore keeps its data on a volume/);
});

test(
  'a Redis instance through the API is ACTIVE at its own address, and redis-cli sets and gets a key as its ACL user',
  { skip },
  async () => {
    const versions = (await api('GET', '/datastores/redis/versions')).json['versions'] as Json[];
    const created = await api('POST', '/instances', {
      instance: {
        name: 'redis-one',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'redis', version: versions[0]?.['name'] },
        users: [{ name: 'app', password: 'app-Secret-1' }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, ready, 'ACTIVE', 60, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
    assert.ok(address.startsWith(local.addressPrefix), address);
    one = { id, address };
    assert.deepEqual(await cli(address, 'app', 'app-Secret-1', 'SET', 'greeting', 'hello'), {
      ok: true,
      out: 'OK',
    });
    assert.deepEqual(await cli(address, 'app', 'app-Secret-1', 'GET', 'greeting'), {
      ok: true,
      out: 'hello',
    });
    const admin = await cli(address, 'app', 'app-Secret-1', 'CONFIG', 'GET', 'maxmemory');
    assert.equal(admin.ok, false);
    assert.match(admin.out, /NOPERM/);
    assert.equal((await cli(address, 'app', 'wrong', 'PING')).ok, false);
  },
);

test(
  "an instance's Redis databases answer 501 naming the datastore and the operation",
  { skip },
  async () => {
    const { id } = made();
    for (const [method, path, body] of [
      ['GET', `/instances/${id}/databases`, undefined],
      ['POST', `/instances/${id}/databases`, { databases: [{ name: 'x' }] }],
      ['DELETE', `/instances/${id}/databases/x`, undefined],
    ] as const) {
      const answer = await api(method, path, body);
      assert.equal(answer.status, 501, `${method} ${path}: ${JSON.stringify(answer.json)}`);
      assert.match(JSON.stringify(answer.json), /redis/);
      assert.match(JSON.stringify(answer.json), /_database/);
    }
  },
);

test(
  'users through the Trove routes: listed without root or the admin, created, password changed, deleted',
  { skip },
  async () => {
    const { id, address } = made();
    const users = async (): Promise<string[]> =>
      ((await api('GET', `/instances/${id}/users`)).json['users'] as Json[]).map((u) =>
        String(u['name']),
      );
    assert.deepEqual(await users(), ['app']);
    assert.equal((await api('GET', `/instances/${id}/users/app`)).status, 200);
    assert.equal((await api('GET', `/instances/${id}/users/os_admin`)).status, 404);
    assert.equal(
      (
        await api('POST', `/instances/${id}/users`, {
          users: [{ name: 'second', password: 'second-Pw-1' }],
        })
      ).status,
      202,
    );
    assert.deepEqual(await users(), ['app', 'second']);
    assert.equal(
      (
        await api('PUT', `/instances/${id}/users`, {
          users: [{ name: 'second', password: 'second-Pw-2' }],
        })
      ).status,
      202,
    );
    assert.equal((await cli(address, 'second', 'second-Pw-1', 'PING')).ok, false);
    assert.deepEqual(await cli(address, 'second', 'second-Pw-2', 'GET', 'greeting'), {
      ok: true,
      out: 'hello',
    });
    assert.equal((await api('DELETE', `/instances/${id}/users/second`)).status, 202);
    assert.deepEqual(await users(), ['app']);
    assert.equal((await cli(address, 'second', 'second-Pw-2', 'PING')).ok, false);
  },
);

test(
  'a user created through the API with ACL rules can do what its rules allow and nothing else',
  { skip },
  async () => {
    const { id, address } = made();
    const created = await api('POST', `/instances/${id}/users`, {
      users: [{ name: 'reader', password: 'reader-Pw-1', rules: '~greeting +@read' }],
    });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const shown = (await api('GET', `/instances/${id}/users/reader`)).json['user'] as Json;
    assert.match(String(shown['rules']), /~greeting/);
    assert.deepEqual(await cli(address, 'reader', 'reader-Pw-1', 'GET', 'greeting'), {
      ok: true,
      out: 'hello',
    });
    const write = await cli(address, 'reader', 'reader-Pw-1', 'SET', 'greeting', 'changed');
    assert.match(write.out, /NOPERM/, 'a read-only user may not write');
    const other = await cli(address, 'reader', 'reader-Pw-1', 'GET', 'elsewhere');
    assert.match(other.out, /NOPERM/, 'a user may not read keys outside its pattern');
    const refused = await api('POST', `/instances/${id}/users`, {
      users: [{ name: 'admin2', password: 'admin2-Pw-1', rules: '~* +@all' }],
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    assert.equal((await api('DELETE', `/instances/${id}/users/reader`)).status, 202);
  },
);

test(
  'root enabled through the API is the password redis-cli -a logs in with; disabled, it no longer works',
  { skip },
  async () => {
    const { id, address } = made();
    const enabled = await api('POST', `/instances/${id}/root`);
    assert.equal(enabled.status, 200, JSON.stringify(enabled.json));
    const password = String((enabled.json['user'] as Json)['password']);
    const asRoot = await cli(address, undefined, password, 'CONFIG', 'GET', 'maxmemory-policy');
    assert.ok(asRoot.ok, asRoot.out);
    assert.match(asRoot.out, /noeviction/);
    assert.equal((await api('DELETE', `/instances/${id}/root`)).status, 204);
    assert.equal((await cli(address, undefined, password, 'PING')).ok, false);
    assert.deepEqual(await cli(address, 'app', 'app-Secret-1', 'GET', 'greeting'), {
      ok: true,
      out: 'hello',
    });
  },
);

/** The PID in the instance's redis.pid, wherever the driver put its run directory. */
async function serverPid(id: string): Promise<string | undefined> {
  const dir = join(local.state, 'instances', id);
  const files = await readdir(dir, { recursive: true });
  const pidFile = files.find((f) => f.endsWith('redis.pid'));
  return pidFile === undefined
    ? undefined
    : (await readFile(join(dir, pidFile), 'utf8').catch(() => '')).trim();
}

test(
  'a restart through the API starts Redis again with its data and users kept',
  { skip },
  async () => {
    const { id, address } = made();
    const before = await serverPid(id);
    assert.ok(before, 'the instance has a redis.pid');
    assert.equal((await api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
    await waitFor(
      async () => {
        const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
        const now = await serverPid(id);
        return ready(shown) && now !== undefined && now !== '' && now !== before;
      },
      {
        timeout: 60_000,
        what: 'the instance to be ACTIVE with its server started again',
        interval: 200,
      },
    );
    const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
    assert.deepEqual([shown['status'], shown['operating_status']], ['ACTIVE', 'HEALTHY']);
    assert.deepEqual(await cli(address, 'app', 'app-Secret-1', 'GET', 'greeting'), {
      ok: true,
      out: 'hello',
    });
  },
);

test('a Redis delete leaves no process, directory or OS user', { skip }, async () => {
  const { id } = made();
  const dir = join(local.state, 'instances', id);
  const { user } = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as {
    user?: { name: string };
  };
  // Its redis.conf names the server in ps: found now, the check after the delete can fail.
  const servers = await processesNaming(join(dir, 'volume', 'redis.conf'));
  assert.equal(servers.length, 1, `one redis-server names its redis.conf: ${servers.join('; ')}`);
  assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
  await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
  assert.deepEqual(await processesNaming(id), []);
  assert.equal(existsSync(dir), false);
  if (user) {
    const found = await exec('id', [user.name]).then(
      () => true,
      () => false,
    );
    assert.equal(found, false, `user ${user.name} is still there`);
  }
});

test('a user given ACL rules at create reads only the keys its rules allow', { skip }, async () => {
  const versions = (await api('GET', '/datastores/redis/versions')).json['versions'] as Json[];
  const created = await api('POST', '/instances', {
    instance: {
      name: 'redis-rules',
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'redis', version: versions[0]?.['name'] },
      users: [{ name: 'scoped', password: 'scoped-Pw-1', rules: '~app:* +@read' }],
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String((created.json['instance'] as Json)['id']);
  const active = await local.session.untilInstance(id, ready, 'ACTIVE', 60, 200);
  assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
  const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
  assert.deepEqual(await cli(address, 'scoped', 'scoped-Pw-1', 'GET', 'app:one'), {
    ok: true,
    out: '',
  });
  const other = await cli(address, 'scoped', 'scoped-Pw-1', 'GET', 'elsewhere');
  assert.match(other.out, /NOPERM/, 'the create-time rules limit the user to app:*');
  assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
  await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
});
