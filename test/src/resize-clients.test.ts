// Debian's openstack client resizing an instance of `cellar up` (simulated driver) as an operator
// would: `database instance resize volume` and `resize flavor` by the flavor's name, and a shrink
// refused with Cellar's reason in the client's output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { freePort } from '@cellar/server/testing';
import { startCellarUp, type CellarUp } from './support/cellar-up.js';
import { waitFor } from './support/wait-for.js';

const run = promisify(execFile);
let state: string;
let cellar: CellarUp;

before(async () => {
  state = await mkdtemp(join(tmpdir(), 'cellar-osc-resize-'));
  cellar = await startCellarUp([
    'DEFAULT.compute_driver=simulated',
    `DEFAULT.bind_port=${await freePort()}`,
    `DEFAULT.state_path=${state}`,
    'simulated.report_interval=0.5',
  ]);
});
after(async () => {
  await cellar.stop();
  await rm(state, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** `openstack --os-cloud cellar …` with the clouds.yaml Cellar wrote; its output and errors. */
async function os(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run('openstack', ['--os-cloud', 'cellar', ...args], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: state,
        OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
      },
    });
    return { ok: true, out: stdout };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}

const show = async (id: string): Promise<Row> =>
  JSON.parse((await os('database', 'instance', 'show', id, '-f', 'json')).out) as Row;

/** Waits until `instance show` is ACTIVE with `field` at `value`. */
const until = (id: string, field: string, value: unknown): Promise<Row> =>
  waitFor(
    async () => {
      const shown = await show(id);
      return shown['status'] === 'ACTIVE' && shown[field] === value ? shown : undefined;
    },
    {
      timeout: 30_000,
      what: `instance ${id} ACTIVE with ${field} ${String(value)}`,
      interval: 300,
    },
  );

test('openstack database instance resize volume and resize flavor, a shrink refused with the reason', async () => {
  const created = await os(
    ...['database', 'instance', 'create', 'osc-resize', '--flavor', '2', '--size', '1'],
    ...['--datastore', 'postgresql', '--datastore-version', '15', '-f', 'json'],
  );
  assert.ok(created.ok, created.out);
  const id = String((JSON.parse(created.out) as Row)['id']);
  await until(id, 'volume', 1);

  const shrink = await os('database', 'instance', 'resize', 'volume', id, '1');
  assert.equal(shrink.ok, false);
  assert.match(shrink.out, /is 1 GB: a resize must ask for more \(volumes only grow\), not 1 GB/);

  const grow = await os('database', 'instance', 'resize', 'volume', id, '3');
  assert.ok(grow.ok, grow.out);
  await until(id, 'volume', 3);

  const flavor = await os('database', 'instance', 'resize', 'flavor', id, 'm1.medium');
  assert.ok(flavor.ok, flavor.out);
  await until(id, 'flavor', '3');

  const restarted = await os('database', 'instance', 'restart', id);
  assert.ok(restarted.ok, 'the other actions still work through the table');
  assert.ok((await os('database', 'instance', 'delete', id)).ok);
});
