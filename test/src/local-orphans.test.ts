// Guest agents left behind by a control plane killed with SIGKILL: a standby (which serves no
// instance) ends within 10 s and removes its work, and a guest whose instance was deleted ends
// with its database; a live instance's guest keeps running, as guests outlive the control plane.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { endProcessesUnder, freePort, signIn, type Json } from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';
import { processesNaming } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const installed =
  existsSync(PG_ROOT) &&
  readdirSync(PG_ROOT).some((m) => existsSync(join(PG_ROOT, m, 'bin', 'postgres')));
const skip = installed ? false : 'PostgreSQL is not installed (scripts/test installs it)';

let state: string;
let port: number;
before(async () => {
  state = await mkdtemp(join(tmpdir(), 'cellar-orphans-'));
  port = await freePort();
});
after(async () => {
  await endProcessesUnder(state);
  // The OS users a failed test's deployment made, which its next start would have removed.
  for (const name of await readdir(join(state, 'instances', '.users')).catch(() => []))
    await exec('userdel', [name]).catch(() => undefined);
  await rm(state, { recursive: true, force: true });
});

const up = (): Promise<CellarUp> =>
  startCellarUp([
    `DEFAULT.state_path=${state}`,
    `DEFAULT.bind_port=${port}`,
    'identity.bootstrap_password=orphans-admin-secret',
    'local.report_interval=1',
    'local.standby_agents=1',
    'DEFAULT.http_get_rate=100000',
  ]);

/** Whether any process's command line holds `text`. */
const anyNaming = async (text: string): Promise<boolean> =>
  (await processesNaming(text)).length > 0;

/** The work directory of this deployment's waiting standby, once its work ahead is done. */
async function waitingStandby(): Promise<{ pid: number; dir: string }> {
  return waitFor(
    async () => {
      for (const found of await processesNaming('--standby')) {
        const pid = Number(found.slice(0, found.indexOf(':')));
        const dir = / --work-dir (\S+)/.exec(found)?.[1];
        if (dir?.startsWith(`${state}/`) && existsSync(join(dir, 'made-by'))) return { pid, dir };
      }
      return undefined;
    },
    { timeout: 60_000, what: 'a standby agent to finish its work ahead', interval: 50 },
  );
}

test(
  'a standby agent whose control plane was killed ends within 10 s and removes its work directory',
  { skip },
  async () => {
    const cellar = await up();
    const standby = await waitingStandby();
    cellar.child.kill('SIGKILL');
    await waitFor(async () => !(await anyNaming(standby.dir)) && !existsSync(standby.dir), {
      timeout: 10_000,
      what: `the standby ${standby.pid} (${standby.dir}) to end and remove its work`,
      interval: 50,
    });
    await waitFor(() => !existsSync(`${standby.dir}.out`), {
      timeout: 1_000,
      what: 'the standby to remove its output file',
      interval: 50,
    });
  },
);

test(
  'a guest whose instance was deleted while the control plane was down stops its database and exits within 10 s',
  { skip },
  async () => {
    let cellar = await up();
    const url = `http://127.0.0.1:${port}`;
    let session = await signIn(url, 'admin', 'orphans-admin-secret');
    const created = await session.call('POST', '/instances', {
      instance: {
        name: 'orphan',
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await session.untilInstance(
      id,
      (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
      'ACTIVE',
      90,
      200,
    );
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const dir = join(state, 'instances', id);
    const guest = Number((await readFile(join(dir, 'guest.pid'), 'utf8')).trim());
    const standby = await waitingStandby();
    cellar.child.kill('SIGKILL');

    // A live instance's guest outlives the control plane, and so does its database: by the time
    // the standby has seen its control plane gone and ended, the guest (a standby once) has too.
    await waitFor(async () => !(await anyNaming(standby.dir)), {
      timeout: 10_000,
      what: `the standby ${standby.pid} to end with its control plane`,
      interval: 50,
    });
    const live = await processesNaming(id);
    assert.ok(
      live.some((p) => p.startsWith(`${guest}: `)),
      'the guest of a live instance ended',
    );
    // The first step of a delete, cut short by the kill: the guest's identity is gone.
    await rm(join(dir, 'guest_info.conf'));
    await waitFor(async () => !(await anyNaming(id)), {
      timeout: 10_000,
      what: `the guest and database of deleted instance ${id} to end`,
      interval: 50,
    });
    assert.ok((await stat(join(dir, 'volume'))).isDirectory(), 'the volume went with the guest');

    // The next control plane deletes what is left, users included.
    cellar = await up();
    session = await signIn(url, 'admin', 'orphans-admin-secret');
    assert.equal((await session.call('DELETE', `/instances/${id}`)).status, 202);
    await session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
    assert.equal(existsSync(dir), false);
    assert.equal(await cellar.stop(), 0);
  },
);
