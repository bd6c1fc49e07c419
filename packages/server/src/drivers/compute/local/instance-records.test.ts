// An instance whose record cannot be read: the local driver reports it with a reason code and
// never removes its directory, so a damaged instance.json cannot cost a user their data.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalTransport } from '@cellar/rpc';
import { LocalCompute } from './driver.js';
import { InstanceRecords } from './instance-records.js';

const silent = { info: () => undefined, warn: () => undefined };

test('a corrupt instance.json is reported with a reason code and its volume is kept', async () => {
  const state = await mkdtemp(join(tmpdir(), 'cellar-records-'));
  const transport = new LocalTransport(join(state, 'rpc'));
  const id = '4f1c2b7e-0000-4000-8000-000000000006';
  const dir = join(state, 'instances', id);
  await mkdir(join(dir, 'volume'), { recursive: true });
  await writeFile(join(dir, 'volume', 'PG_VERSION'), 'the user data\n');
  await writeFile(join(dir, 'instance.json'), '{"id": "4f1c2b7e-0000-4000-8000-0000000');
  const driver = await LocalCompute.open({
    home: state,
    appRoot: state,
    transport,
    rpc: { transport: 'local', socketDir: join(state, 'rpc') },
    addressPool: '127.42.0.0/16',
    userPrefix: 'cellar-',
    reportInterval: 10,
    startTimeout: 5,
    withGuests: ['postgresql'],
    standbyAgents: 0,
    log: silent,
  });
  try {
    const guest = {
      instanceId: id,
      name: 'damaged',
      datastore: 'postgresql',
      datastoreVersion: '15',
      instanceKey: 'k'.repeat(32),
      tcpPorts: [5432],
    };
    await assert.rejects(driver.createServer(guest), { code: 'CELLAR_INSTANCE_RECORD_UNREADABLE' });
    assert.equal(await readFile(join(dir, 'volume', 'PG_VERSION'), 'utf8'), 'the user data\n');
    assert.deepEqual(await driver.getServer(id), { status: 'ERROR', address: '' });
    const [down] = await driver.adopt([guest]);
    assert.equal(
      (down?.error as { code?: string } | undefined)?.code,
      'CELLAR_INSTANCE_RECORD_UNREADABLE',
    );
    assert.equal(await readFile(join(dir, 'volume', 'PG_VERSION'), 'utf8'), 'the user data\n');
  } finally {
    await driver.close();
    await transport.close();
    await rm(state, { recursive: true, force: true });
  }
});

test('a stray file among the instances is no instance; a damaged record is named as such', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-records-'));
  try {
    await writeFile(join(root, 'notes.txt'), 'an operator was here\n');
    await mkdir(join(root, 'a-create-cut-short'));
    await mkdir(join(root, 'damaged'));
    await writeFile(join(root, 'damaged', 'instance.json'), '{"id": "damaged", "address": 7}');
    assert.deepEqual(await new InstanceRecords(root).all(), {
      records: [],
      unreadable: ['damaged'],
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
