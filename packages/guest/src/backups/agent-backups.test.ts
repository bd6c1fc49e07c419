// Backups through a real agent: a datastore held in memory whose strategy streams known bytes, the
// real `local` storage in a temporary directory, and the local RPC transport. What the conductor
// is told is checked against the stored object; failures leave no object; restores verify.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BaseDatastoreManager,
  defineBackupStrategy,
  defineRestoreStrategy,
  type BackupInfo,
  type PrepareRequest,
  type ServiceStatus,
} from '@cellar/plugin-api';
import { findAppRoot, openPlugins, type InMemoryPlugin } from '@cellar/plugins';
import { GuestClient, LocalTransport, type BackupUpdate } from '@cellar/rpc';
import { runGuest, type RunningGuest } from '../agent.js';
import { agentSocket } from '../options.js';
import {
  inMemoryDatastore,
  recordingConductor,
  writeGuestConf,
  type RecordingConductor,
} from '../testing.js';

const GUEST_ID = '5f0c8a2e-0000-4000-8000-0000000000b1';
const KEY = 'b'.repeat(40);
const PROJECT = 'p-backups';
const MB = 1024 * 1024;

/** What the next backup does: the test sets it before asking for one. */
let behaviour: 'complete' | 'slow' | 'fail-midway' | 'done-rejects' = 'complete';
/** The bytes the memory datastore holds, and what its last restore put back (full first). */
let data: Buffer = Buffer.alloc(0);
let restored: Buffer[] = [];

function known(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) b[i] = (i * 31 + seed) % 251;
  return b;
}

async function* chunks(slow: boolean, failAfter?: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += 256 * 1024) {
    if (failAfter !== undefined && at >= failAfter) throw new Error('memdump: disk read error');
    if (slow) await sleep(60);
    yield data.subarray(at, at + 256 * 1024);
  }
}

const memdump = defineBackupStrategy({
  name: 'memdump',
  datastore: 'memory',
  incremental: true,
  async backup() {
    const stream = Readable.from(
      chunks(behaviour === 'slow', behaviour === 'fail-midway' ? MB : undefined),
    );
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    // A tool that fails after its output looked complete: the upload has finished by then.
    const done = ended.then(async () => {
      if (behaviour !== 'done-rejects') return { bytes: data.length };
      await sleep(300);
      throw new Error('memdump exited with status 3: short read');
    });
    return { stream, done };
  },
});

const memdumpRestore = defineRestoreStrategy({
  name: 'memdump',
  datastore: 'memory',
  async restore(run) {
    restored = [];
    for (const piece of run.chain) restored.push(await buffer(await piece.open()));
  },
});

const fullOnly = defineBackupStrategy({
  name: 'fullonly',
  datastore: 'memory',
  incremental: false,
  backup: () => Promise.reject(new Error('not reached')),
});

class MemoryManager extends BaseDatastoreManager {
  status: ServiceStatus = 'building';
  async prepare(request: PrepareRequest): Promise<void> {
    if (request.backupInfo) await this.context.restore?.(request.backupInfo);
    this.status = 'healthy';
  }
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return this.status;
  }
}

/** The real `local` storage plugin of this deployment, held in memory beside the datastore. */
async function localStoragePlugin(): Promise<InMemoryPlugin> {
  const found = findAppRoot(dirname(fileURLToPath(import.meta.url)));
  assert.ok(found.ok);
  const { host } = openPlugins({ appRoot: found.root });
  const plugin = host.find('backup-storage', 'local');
  assert.ok(plugin, 'the local backup storage is installed in this deployment');
  const load = (namespace: string) => host.load({ plugin, namespace, name: 'local' });
  return {
    package: plugin.package,
    cellar: {
      plugin: 1,
      kind: 'backup-storage',
      name: 'local',
      entryPoints: {
        'cellar.backup.storage.options': './options',
        'cellar.backup.storage': './storage',
      },
    },
    modules: {
      './options': await load('cellar.backup.storage.options'),
      './storage': await load('cellar.backup.storage'),
    },
  };
}

let dir: string;
let store: string;
let control: LocalTransport;
let conductor: RecordingConductor;
let plugins: ReturnType<typeof inMemoryDatastore>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellar-guest-backups-'));
  store = join(dir, 'store');
  control = new LocalTransport(join(dir, 'rpc'), {
    socketFor: (t) => (t === `guestagent.${GUEST_ID}` ? agentSocket(join(dir, 'run')) : undefined),
  });
  conductor = await recordingConductor(control, GUEST_ID, KEY);
  plugins = inMemoryDatastore('memory', MemoryManager, {
    capabilities: ['backup', 'restore'],
    backupStrategy: 'memdump',
    backupStrategies: { memdump, fullonly: fullOnly },
    restoreStrategies: { memdump: memdumpRestore },
    plugins: [await localStoragePlugin()],
  });
  await writeGuestConf({
    dir,
    guestId: GUEST_ID,
    key: KEY,
    datastore: 'memory',
    rpc: [`socket_dir = ${join(dir, 'rpc')}`],
    defaults: [
      `project_id = ${PROJECT}`,
      'backup_storage = local',
      'backup_progress_interval = 0.1',
    ],
    sections: ['[backup_storage_local]', `path = ${store}`, 'fsync = false'],
  });
});

after(async () => {
  await conductor.close();
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

async function agent(
  env: NodeJS.ProcessEnv = {},
  set: readonly string[] = [],
): Promise<RunningGuest> {
  const argv = ['--config-file', join(dir, 'guest.conf'), ...set.flatMap((s) => ['--set', s])];
  return runGuest({ argv, plugins, env });
}

const client = () => new GuestClient(control, GUEST_ID, KEY, { low: 5, high: 5 });

/** Settles with the backup's outcome, or fails after `ms`. */
async function outcome(id: string, ms = 20_000): Promise<BackupUpdate> {
  const done = Promise.race([conductor.update(id, 'COMPLETED'), conductor.update(id, 'FAILED')]);
  const late = sleep(ms, undefined, { ref: false }).then(() =>
    assert.fail(`backup ${id} had no outcome within ${ms} ms`),
  );
  return Promise.race([done, late]);
}

/** Every file under the project's directory, temporary ones included. */
async function storedFiles(): Promise<string[]> {
  return (await readdir(join(store, PROJECT), { recursive: true }).catch(() => [])).sort();
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const fileOf = (location: string): string => join(store, location.replace(/^local:/, ''));

/** A backup taken and completed: its record as the taskmanager would keep it. */
async function backUp(id: string, parent?: BackupInfo): Promise<BackupInfo> {
  await client().createBackup(
    { id, project: PROJECT, key: `i1/${id}`, instanceId: GUEST_ID, ...(parent ? { parent } : {}) },
    { requestId: id },
  );
  const done = await outcome(id);
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done.fault));
  const { location = '', checksum = '', size = 0, compression = '', meta = {} } = done;
  return {
    id,
    project: PROJECT,
    storage: 'local',
    location,
    checksum,
    size,
    compression,
    meta,
    type: 'memdump',
    ...(parent ? { parent } : {}),
  };
}

/** Prepares a fresh agent from `info`: the beat telling how the prepare ended. */
async function restoreFrom(info: BackupInfo, env: NodeJS.ProcessEnv = {}) {
  const guest = await agent(env);
  try {
    const from = conductor.beats.length;
    await client().prepare(
      { memoryMb: 64, databases: [], users: [], backupInfo: info },
      { requestId: 'r' },
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ended = conductor.beats.slice(from).find((b) => b.status !== 'building');
      if (ended) return ended;
      if (Date.now() > deadline) assert.fail('the prepare did not end within 20 s');
      await sleep(20);
    }
  } finally {
    await guest.close();
  }
}

test('a backup completes with the size and SHA-256 of the stored object, and restores through zstd', async () => {
  data = known(3 * MB, 1);
  behaviour = 'complete';
  const guest = await agent();
  let info: BackupInfo;
  try {
    info = await backUp('b-full');
  } finally {
    await guest.close();
  }
  const stored = await readFile(fileOf(info.location ?? ''));
  assert.equal(info.checksum, sha256(stored));
  assert.equal(info.size, (await stat(fileOf(info.location ?? ''))).size);
  assert.equal(info.compression, 'zstd');
  assert.deepEqual(info.meta, { bytes: 3 * MB });
  assert.equal(conductor.updates.find((u) => u.backup_id === 'b-full')?.state, 'BUILDING');
  assert.equal((await restoreFrom(info)).status, 'healthy');
  assert.equal(restored.length, 1);
  assert.ok(restored[0]?.equals(data), 'the restored bytes are the backed-up bytes');
});

test('without zstd a backup is gzip-compressed, and an incremental chain restores full first', async () => {
  const env = { PATH: '/nonexistent' };
  const guest = await agent(env);
  data = known(MB, 2);
  const first = Buffer.from(data);
  let incremental: BackupInfo;
  try {
    const full = await backUp('g-full');
    data = known(MB / 2, 3);
    incremental = await backUp('g-incr', full);
  } finally {
    await guest.close();
  }
  assert.equal(incremental.compression, 'gzip');
  assert.equal((await restoreFrom(incremental, env)).status, 'healthy');
  assert.equal(restored.length, 2);
  assert.ok(
    restored[0]?.equals(first) && restored[1]?.equals(data),
    'full first, then the incremental',
  );
});

test('progress is reported while a backup streams, and a second backup is refused while one runs', async () => {
  // Incompressible bytes through gzip: stored bytes grow while the stream flows.
  data = randomBytes(2 * MB);
  behaviour = 'slow';
  const guest = await agent({ PATH: '/nonexistent' });
  try {
    await client().createBackup({ id: 's-1', project: PROJECT, key: 'i1/s-1' }, { requestId: 's' });
    await client().createBackup({ id: 's-2', project: PROJECT, key: 'i1/s-2' }, { requestId: 's' });
    const refused = await outcome('s-2');
    assert.equal(refused.fault?.code, 'CELLAR_BACKUP_IN_PROGRESS');
    assert.match(refused.fault?.message ?? '', /already taking backup s-1/);
    assert.equal((await outcome('s-1')).state, 'COMPLETED');
  } finally {
    behaviour = 'complete';
    await guest.close();
  }
  const building = conductor.updates.filter((u) => u.backup_id === 's-1' && u.state === 'BUILDING');
  assert.ok(
    building.some((u) => (u.size ?? 0) > 0),
    'a progress report with bytes stored',
  );
  const last = conductor.updates.filter((u) => u.backup_id === 's-1').at(-1);
  assert.equal(last?.state, 'COMPLETED', 'no progress report after the outcome');
});

for (const [mode, reason] of [
  ['fail-midway', /memdump: disk read error/],
  ['done-rejects', /memdump exited with status 3: short read/],
] as const) {
  test(`a backup whose strategy fails (${mode}) ends FAILED with the reason and leaves no object`, async () => {
    data = known(3 * MB, 5);
    behaviour = mode;
    const before = await storedFiles();
    const guest = await agent();
    try {
      await client().createBackup(
        { id: `f-${mode}`, project: PROJECT, key: `i1/f-${mode}` },
        { requestId: 'f' },
      );
      const failed = await outcome(`f-${mode}`);
      assert.equal(failed.state, 'FAILED');
      assert.equal(failed.fault?.code, 'CELLAR_BACKUP_FAILED');
      assert.match(failed.fault?.message ?? '', reason);
    } finally {
      behaviour = 'complete';
      await guest.close();
    }
    assert.deepEqual(await storedFiles(), before);
  });
}

test('an incremental asked of a strategy that takes only full backups is refused by name', async () => {
  const guest = await agent({}, ['memory.backup_strategy=fullonly']);
  try {
    const parent = { id: 'b-full' };
    await client().createBackup({ id: 'i-1', project: PROJECT, parent }, { requestId: 'i' });
    const refused = await outcome('i-1');
    assert.equal(refused.fault?.code, 'CELLAR_BACKUP_INCREMENTAL_NOT_SUPPORTED');
    assert.match(refused.fault?.message ?? '', /fullonly backup strategy of the memory datastore/);
  } finally {
    await guest.close();
  }
});

test('a stored backup with one flipped byte is refused on restore, naming the object and both digests', async () => {
  data = known(MB, 6);
  const guest = await agent();
  let info: BackupInfo;
  try {
    info = await backUp('c-1');
  } finally {
    await guest.close();
  }
  const file = fileOf(info.location ?? '');
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
  await writeFile(file, bytes);
  const beat = await restoreFrom(info);
  assert.equal(beat?.status, 'failed to spawn');
  assert.equal(beat?.fault?.code, 'CELLAR_BACKUP_CHECKSUM_MISMATCH');
  const message = beat?.fault?.message ?? '';
  assert.ok(message.includes(info.location ?? '?'), message);
  assert.ok(message.includes(info.checksum ?? '?') && message.includes(sha256(bytes)), message);
});

test('a storage that refuses the object ends the backup FAILED with the storage error, and nothing stored', async () => {
  data = known(MB, 7);
  const blocked = join(dir, 'not-a-directory');
  await writeFile(blocked, 'a file where the storage wants a directory');
  const guest = await agent({}, [`backup_storage_local.path=${blocked}`]);
  try {
    await client().createBackup({ id: 'r-1', project: PROJECT, key: 'i1/r-1' }, { requestId: 'r' });
    const failed = await outcome('r-1');
    assert.match(failed.fault?.code ?? '', /^CELLAR_BACKUP_STORAGE_(FAILED|REFUSED)$/);
    assert.match(failed.fault?.message ?? '', /The local backup storage/);
  } finally {
    await guest.close();
  }
});
