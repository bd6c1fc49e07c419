// The third-party memcached datastore provisioned for real, as an operator and a user meet it:
// examples/cellar-datastore-memcached (outside the workspaces) packed with npm, installed from its
// tarball into a fresh deployment root, enabled in cellar.conf, its guest artifact built, and
// `cellar up` with the local compute driver creating instances whose users store and read keys
// over memcached's binary protocol with SASL. The plugin also passes the conformance kit, taken
// from the deployment's own @cellar/plugin-api, against a real memcached.

import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  endProcessesUnder,
  freePort,
  signIn,
  type ApiSession,
  type Json,
} from '@cellar/server/testing';
import { assertRan, cleanEnv, createDeployment, npmPack } from './support/deployment.js';
import { startCellar, stopCellar } from './support/deployed-cellar.js';
import { processesNaming } from './support/local-postgresql.js';
import { MemcachedSession } from './support/memcached-client.js';
import { repoRoot, run } from './support/repo.js';
import { liveHarnessFor, type ConformanceKit } from './support/memcached-conformance.js';

const exec = promisify(execFile);
const fixtureDir = join(repoRoot, 'examples', 'cellar-datastore-memcached');
const pluginApiDir = join(repoRoot, 'packages', 'plugin-api');
const PASSWORD = 'memcached-admin-secret';
const PORT = 11211;

const skip: string | false =
  existsSync('/usr/bin/memcached') && existsSync('/usr/sbin/saslpasswd2')
    ? false
    : 'memcached with SASL is not installed (apt-get install memcached sasl2-bin libsasl2-modules)';

let base = '';
let root = '';

before(
  async () => {
    if (skip) return;
    base = await mkdtemp(join(tmpdir(), 'cellar-memcached-'));
    const packs = join(base, 'packs');
    await mkdir(packs);
    const tgz = await npmPack([pluginApiDir, fixtureDir], packs);
    root = await createDeployment(join(base, 'deployments'), 'memcached', tgz);
    assertRan(
      'cellar-build-guest memcached',
      await run(
        process.execPath,
        [join(repoRoot, 'packages', 'guest', 'bin', 'cellar-build-guest.js'), 'memcached'],
        { cwd: base, env: { ...cleanEnv(), CELLAR_APP_ROOT: root } },
      ),
    );
  },
  { timeout: 300_000 },
);
after(async () => {
  if (base !== '') await rm(base, { recursive: true, force: true });
});

test(
  "the conformance kit of the deployment's @cellar/plugin-api passes the installed plugin, live against a real memcached",
  { skip, timeout: 60_000 },
  async () => {
    const kit = (await import(
      join(root, 'node_modules', '@cellar', 'plugin-api', 'dist', 'testing', 'index.js')
    )) as ConformanceKit;
    const subject = await kit.loadDatastoreUnderTest(
      join(root, 'node_modules', 'cellar-datastore-memcached'),
    );
    assert.deepEqual(subject.manifest.capabilities, ['users']);
    assert.deepEqual(kit.checkOptions(subject), []);
    assert.deepEqual(kit.checkServer(subject), []);
    assert.deepEqual(kit.checkGuestEntry(subject), []);
    const offline = await kit.offlineContext(subject);
    try {
      const Manager = (subject.guest as { manager: new (c: unknown) => object }).manager;
      // Every operation but the users' is the base's, and refuses naming memcached.
      assert.deepEqual(await kit.checkGuestCapabilities(subject, new Manager(offline.context)), []);
    } finally {
      await offline.dispose();
    }
    const harness = liveHarnessFor(subject);
    try {
      assert.deepEqual(await kit.checkLive(subject, await harness.createManager()), []);
    } finally {
      await harness.dispose();
    }
  },
);

test(
  "the server half says why a host cannot run memcached, naming each missing binary's Debian package",
  { skip },
  async () => {
    const dir = join(root, 'node_modules', 'cellar-datastore-memcached');
    const server = ((await import(join(dir, 'server.js'))) as { default: Json }).default as {
      unavailableReason(): Promise<string | undefined>;
    };
    assert.equal(await server.unavailableReason(), undefined, 'this host has all of it');
    const { whyUnavailable } = (await import(join(dir, 'lib', 'versions.js'))) as {
      whyUnavailable: (paths: Json) => Promise<string | undefined>;
    };
    const reason = await whyUnavailable({
      memcached: join(base, 'no-memcached'),
      saslpasswd: join(base, 'no-saslpasswd2'),
      pluginDirs: [join(base, 'no-sasl2')],
    });
    assert.match(String(reason), /no-memcached \(Debian package memcached\)/);
    assert.match(String(reason), /no-saslpasswd2 \(Debian package sasl2-bin\)/);
    assert.match(String(reason), /PLAIN mechanism \(Debian package libsasl2-modules\)/);
  },
);

describe(
  'memcached instances through the API of a deployment that installed the tarball',
  { skip },
  () => {
    let state = '';
    let cellar: ChildProcess | undefined;
    let signedIn: ApiSession | undefined;
    let prefix = '';
    const session = (): ApiSession => {
      assert.ok(signedIn, 'Cellar did not start');
      return signedIn;
    };
    const api = (method: string, path: string, body?: unknown) =>
      session().call(method, path, body);
    let one: { id: string; address: string } | undefined;
    const made = (): { id: string; address: string } => {
      assert.ok(one, 'the first test made no instance');
      return one;
    };

    before(async () => {
      state = await mkdtemp(join(tmpdir(), 'cellar-memcached-state-'));
      const port = await freePort();
      prefix = `127.42.${randomInt(1, 255)}.`;
      const conf = join(base, 'cellar.conf');
      await writeFile(
        conf,
        [
          '[DEFAULT]',
          'enabled_datastores = memcached',
          `state_path = ${state}`,
          `bind_port = ${port}`,
          // These tests poll; the rate limits have their own test.
          'http_get_rate = 100000',
          'http_post_rate = 100000',
          '[identity]',
          `bootstrap_password = ${PASSWORD}`,
          '[local]',
          `address_pool = ${prefix}0/24`,
          'report_interval = 1',
          'watch_interval = 0.5',
          '[memcached]',
          'usage_timeout = 120',
          '',
        ].join('\n'),
      );
      cellar = await startCellar(['up', '--app-root', root, '--config-file', conf], base);
      signedIn = await signIn(`http://127.0.0.1:${port}`, 'admin', PASSWORD);
    });

    after(async () => {
      try {
        if (cellar && signedIn) {
          const left = (await api('GET', '/instances')).json['instances'] as Json[];
          for (const i of left) await api('DELETE', `/instances/${String(i['id'])}`);
          for (const i of left)
            await signedIn.untilInstance(String(i['id']), (x) => 'gone' in x, 'deleted', 90, 200);
        }
      } finally {
        await stopCellar(cellar);
        if (state !== '') {
          await endProcessesUnder(state);
          await rm(state, { recursive: true, force: true });
        }
      }
    });

    test('the version list shows the memcached this host has, from its binary', async () => {
      const { stdout } = await exec('/usr/bin/memcached', ['-V']);
      const minor = /memcached (\d+\.\d+)\./.exec(stdout)?.[1];
      const versions = await api('GET', '/datastores/memcached/versions');
      assert.equal(versions.status, 200, JSON.stringify(versions.json));
      const names = (versions.json['versions'] as Json[]).map((v) => v['name']);
      assert.deepEqual(names, [minor]);
    });

    test('an instance with a user is ACTIVE and that user stores and reads a key over SASL', async () => {
      const created = await api('POST', '/instances', {
        instance: {
          name: 'mc-one',
          flavorRef: '2',
          volume: { size: 1 },
          datastore: { type: 'memcached' },
          users: [{ name: 'app', password: 'app "Secret\' $1' }],
        },
      });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      const id = String((created.json['instance'] as Json)['id']);
      const ready = (i: Json): boolean =>
        (i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY') ||
        i['status'] === 'ERROR';
      const active = await session().untilInstance(id, ready, 'ACTIVE', 90, 200);
      assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
      const address = (active['ip'] as string[] | undefined)?.[0] ?? '';
      assert.ok(address.startsWith(prefix), `${address} is in the deployment's pool`);
      one = { id, address };

      const mc = await MemcachedSession.open(address, PORT, 'app', 'app "Secret\' $1');
      try {
        assert.equal(await mc.set('greeting', 'hello from memcached'), 0);
        assert.equal(await mc.get('greeting'), 'hello from memcached');
        assert.equal(await mc.get('absent'), undefined);
      } finally {
        mc.close();
      }
      await assert.rejects(
        MemcachedSession.open(address, PORT, 'app', 'wrong'),
        /SASL PLAIN as app refused/,
      );
    });

    test('users made, listed and deleted through the API are SASL users of the instance', async () => {
      const { id, address } = made();
      const added = await api('POST', `/instances/${id}/users`, {
        users: [{ name: 'second', password: 'second-Secret-2' }],
      });
      assert.equal(added.status, 202, JSON.stringify(added.json));
      const mc = await MemcachedSession.open(address, PORT, 'second', 'second-Secret-2');
      try {
        assert.equal(await mc.get('greeting'), 'hello from memcached');
      } finally {
        mc.close();
      }
      const listed = await api('GET', `/instances/${id}/users`);
      assert.equal(listed.status, 200, JSON.stringify(listed.json));
      const names = (listed.json['users'] as Json[]).map((u) => u['name']);
      assert.deepEqual(names, ['app', 'second']);
      assert.equal((await api('DELETE', `/instances/${id}/users/second`)).status, 202);
      await assert.rejects(
        MemcachedSession.open(address, PORT, 'second', 'second-Secret-2'),
        /refused/,
      );
    });

    test("a password changed through the API replaces the user's old one at once", async () => {
      const { id, address } = made();
      const changed = await api('PUT', `/instances/${id}/users`, {
        users: [{ name: 'app', password: 'app-Changed-3' }],
      });
      assert.equal(changed.status, 202, JSON.stringify(changed.json));
      const mc = await MemcachedSession.open(address, PORT, 'app', 'app-Changed-3');
      mc.close();
      await assert.rejects(
        MemcachedSession.open(address, PORT, 'app', 'app "Secret\' $1'),
        /SASL PLAIN as app refused/,
      );
    });

    test('user names SASL would misread are refused with 400 before they reach the guest', async () => {
      const { id } = made();
      for (const name of ['app@other', '-d', 'a b', "o'brien"]) {
        const r = await api('POST', `/instances/${id}/users`, {
          users: [{ name, password: 'Secret-4' }],
        });
        assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.json)}`);
        // The API's check of the plugin's name rule names the field; the guest's would not.
        assert.match(JSON.stringify(r.json), /body\.users\[0\]\.name/);
      }
      const listed = await api('GET', `/instances/${id}/users`);
      assert.deepEqual(
        (listed.json['users'] as Json[]).map((u) => u['name']),
        ['app'],
      );
    });

    test('after a restart through the API the users log in again: the SASL database is on the volume', async () => {
      const { id, address } = made();
      assert.equal((await api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
      const ready = (i: Json): boolean =>
        (i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY') ||
        i['status'] === 'ERROR';
      const back = await session().untilInstance(id, ready, 'ACTIVE again', 60, 200);
      assert.equal(back['status'], 'ACTIVE', JSON.stringify(back['fault'] ?? back));
      const mc = await MemcachedSession.open(address, PORT, 'app', 'app-Changed-3');
      try {
        assert.equal(await mc.get('greeting'), undefined, 'memcached keeps items in memory only');
        assert.equal(await mc.set('greeting', 'again'), 0);
      } finally {
        mc.close();
      }
    });

    test('database and root routes answer 501 naming memcached and the operation', async () => {
      const { id } = made();
      const databases = await api('GET', `/instances/${id}/databases`);
      assert.equal(databases.status, 501, JSON.stringify(databases.json));
      const fault = databases.json['notImplemented'] as Json | undefined;
      assert.match(
        String(fault?.['message']),
        /'list_databases' operation .*'memcached' datastore/,
      );
      const root = await api('POST', `/instances/${id}/root`);
      assert.equal(root.status, 501, JSON.stringify(root.json));
    });

    test("memcached runs as the instance's OS user, and a delete leaves no process, directory, address or OS user", async () => {
      const { id, address } = made();
      const dir = join(state, 'instances', id);
      const { user } = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as {
        user?: { name: string; uid: number };
      };
      const [server] = await processesNaming(`-l\0${address}\0`);
      assert.ok(server !== undefined, 'memcached runs on its address');
      if (user) {
        // As root, Cellar gives the instance an OS user of its own, and memcached runs as it.
        const status = await readFile(`/proc/${server.split(':')[0] ?? ''}/status`, 'utf8');
        assert.match(status, new RegExp(`\\nUid:\\s+${user.uid}\\s`));
      }
      assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
      await session().untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
      assert.deepEqual(await processesNaming(id), []);
      assert.deepEqual(await processesNaming(`-l\0${address}\0`), []);
      assert.equal(existsSync(dir), false);
      assert.deepEqual(await readdir(join(state, 'instances', '.addresses')), []);
      if (user) {
        const found = await exec('id', [user.name]).then(
          () => true,
          () => false,
        );
        assert.equal(found, false, `user ${user.name} is still there`);
      }
    });
  },
);
