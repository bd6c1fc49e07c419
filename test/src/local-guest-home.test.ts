// `cellar up` as root from a directory the guests' users cannot pass through (a clone under /root,
// a mktemp directory): the instances go where they can reach, the banner says where, and the
// first instance reaches ACTIVE.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { endProcessesUnder, freePort, signIn, type Json } from '@cellar/server/testing';
import { startCellarUp } from './support/cellar-up.js';

const exec = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const installed =
  existsSync(PG_ROOT) &&
  readdirSync(PG_ROOT).some((m) => existsSync(join(PG_ROOT, m, 'bin', 'postgres')));
const skip =
  process.getuid?.() !== 0
    ? 'guests get users of their own only when Cellar runs as root'
    : installed
      ? false
      : 'PostgreSQL is not installed (scripts/test installs it)';

test(
  'as root with a state directory the guests cannot reach, instances go under /var/lib/cellar and reach ACTIVE',
  { skip },
  async (t) => {
    const closed = await mkdtemp(join(tmpdir(), 'cellar-closed-'));
    assert.equal((await stat(closed)).mode & 0o777, 0o700);
    const state = join(closed, 'state');
    await mkdir(state);
    const port = await freePort();
    const hadSharedRoot = existsSync('/var/lib/cellar');
    /** Where the instances went, once the banner has said. */
    const made: { home?: string } = {};
    t.after(async () => {
      const { home } = made;
      if (home !== undefined) {
        await endProcessesUnder(home);
        for (const name of await readdir(join(home, 'instances', '.users')).catch(() => []))
          await exec('userdel', [name]).catch(() => undefined);
        await rm(home, { recursive: true, force: true });
        if (!hadSharedRoot) await rmdir('/var/lib/cellar').catch(() => undefined);
      }
      await rm(closed, { recursive: true, force: true });
    });

    const cellar = await startCellarUp([
      `DEFAULT.state_path=${state}`,
      `DEFAULT.bind_port=${port}`,
      'identity.bootstrap_password=home-admin-secret',
      'local.report_interval=1',
      'local.standby_agents=0',
    ]);
    const shown = /Instances: +(\/var\/lib\/cellar\/state-[0-9a-f]{12})\/instances\n/.exec(
      cellar.banner,
    );
    const home = shown?.[1];
    assert.ok(home, cellar.banner);
    made.home = home;
    assert.doesNotMatch(cellar.banner, /Instances cannot start here/);
    assert.equal(await readFile(join(home, 'state-path'), 'utf8'), `${state}\n`);

    const session = await signIn(`http://127.0.0.1:${port}`, 'admin', 'home-admin-secret');
    const created = await session.call('POST', '/instances', {
      instance: {
        name: 'first',
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const done = await session.untilInstance(
      id,
      (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
      'ACTIVE',
      90,
      200,
    );
    assert.equal(done['status'], 'ACTIVE', JSON.stringify(done['fault'] ?? done));
    assert.ok(existsSync(join(home, 'instances', id, 'volume')));

    assert.equal((await session.call('DELETE', `/instances/${id}`)).status, 202);
    await session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
    assert.equal(await cellar.stop(), 0);
  },
);
