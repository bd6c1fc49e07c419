import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import {
  isCellarError,
  type DatastoreLogFile,
  type GuestBackupObjects,
  type GuestLogger,
} from '@cellar/plugin-api';
import { GuestLogs } from './guest-logs.js';

const quiet: GuestLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A project's objects in memory, keyed as the storage keys them. */
function memoryObjects(): GuestBackupObjects & { readonly kept: Map<string, string> } {
  const kept = new Map<string, string>();
  return {
    storage: 'memory',
    kept,
    async put(key: string, body: Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      const text = Buffer.concat(chunks).toString('utf8');
      kept.set(key, text);
      return { location: `mem://${key}`, size: Buffer.byteLength(text), sha256: '' };
    },
    async get(location: string) {
      return Readable.from([kept.get(location.slice(6)) ?? '']);
    },
    async list(prefix: string) {
      return [...kept]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, text]) => ({ key, location: `mem://${key}`, size: Buffer.byteLength(text) }));
    },
    async delete(location: string) {
      kept.delete(location.slice(6));
    },
  };
}

const PREFIX = 'inst-1/database_logs/postgresql-';

/** The published objects of a log, oldest first (their names sort by time). */
const objectsOf = (kept: Map<string, string>, log: string): string[] =>
  [...kept]
    .filter(([key]) => key.startsWith(`${PREFIX}${log}/`))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, text]) => text);

async function setUp(t: TestContext, logs: (dir: string) => DatastoreLogFile[]) {
  const dir = await mkdtemp(join(tmpdir(), 'guest-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const objects = memoryObjects();
  const make = () =>
    new GuestLogs({
      instanceId: 'inst-1',
      datastore: 'postgresql',
      logs: () => logs(dir),
      exposed: ['general'],
      objects,
      runDir: dir,
      log: quiet,
    });
  return { dir, objects, logs: make(), make };
}

const sysLog = (dir: string): DatastoreLogFile[] => [
  { name: 'guest', type: 'SYS', file: join(dir, 'guest.log') },
];

test('publishing stores only what was written since the last publish', async (t) => {
  const { dir, objects, logs } = await setUp(t, sysLog);
  const file = join(dir, 'guest.log');
  await writeFile(file, 'first\n');
  let log = await logs.action({ logName: 'guest', publish: true });
  assert.deepEqual([log.status, log.published, log.pending], ['Published', 6, 0]);
  await appendFile(file, 'second\n');
  [log] = (await logs.list()) as [typeof log];
  assert.deepEqual([log.status, log.published, log.pending], ['Partial', 6, 7]);
  log = await logs.action({ logName: 'guest', publish: true });
  assert.deepEqual([log.published, log.pending], [13, 0]);
  assert.deepEqual(objectsOf(objects.kept, 'guest'), ['first\n', 'second\n']);
  // Nothing new: no empty object.
  await logs.action({ logName: 'guest', publish: true });
  assert.equal(objectsOf(objects.kept, 'guest').length, 2);
  assert.match(
    objects.kept.get(`${PREFIX}guest_metafile`) ?? '',
    /"published":13/,
    'the metafile says what was published',
  );
  assert.equal(log.container, 'database_logs');
  assert.equal(log.prefix, 'inst-1/postgresql-guest/');
  assert.equal(log.metafile, 'inst-1/postgresql-guest_metafile');
});

test('the bookkeeping outlives the agent: a new agent publishes only the new part', async (t) => {
  const { dir, objects, logs, make } = await setUp(t, sysLog);
  const file = join(dir, 'guest.log');
  await writeFile(file, 'before\n');
  await logs.action({ logName: 'guest', publish: true });
  await appendFile(file, 'after\n');
  const log = await make().action({ logName: 'guest', publish: true });
  assert.equal(log.published, 13);
  assert.deepEqual(objectsOf(objects.kept, 'guest'), ['before\n', 'after\n']);
});

test('a log rotated since the last publish: the rest of the rotated copy, then the new file', async (t) => {
  const { dir, objects, logs } = await setUp(t, sysLog);
  const file = join(dir, 'guest.log');
  await writeFile(file, 'one\n');
  await logs.action({ logName: 'guest', publish: true });
  await appendFile(file, 'two\n');
  await copyFile(file, `${file}.1`);
  await truncate(file, 0);
  await appendFile(file, 'three\n');
  const [listed] = await logs.list();
  assert.equal(listed?.status, 'Rotated');
  const log = await logs.action({ logName: 'guest', publish: true });
  assert.deepEqual([log.published, log.pending], [14, 0]);
  assert.deepEqual(objectsOf(objects.kept, 'guest'), ['one\n', 'two\nthree\n']);
});

test('discard deletes what was published and its metafile; the whole file is pending again', async (t) => {
  const { dir, objects, logs } = await setUp(t, sysLog);
  await writeFile(join(dir, 'guest.log'), 'kept\n');
  await logs.action({ logName: 'guest', publish: true });
  const log = await logs.action({ logName: 'guest', discard: true });
  assert.deepEqual([log.status, log.published, log.pending], ['Ready', 0, 5]);
  assert.deepEqual([...objects.kept.keys()], []);
});

test('a log sharing its file publishes only its own entries, continuation lines included', async (t) => {
  const shared = (dir: string): DatastoreLogFile[] => [
    {
      name: 'general',
      type: 'SYS',
      file: join(dir, 'server.log'),
      entryStart: /^\d\d:\d\d /,
      pick: () => (entry) => (entry.includes('statement:') ? entry : undefined),
    },
  ];
  const { dir, objects, logs } = await setUp(t, shared);
  await writeFile(
    join(dir, 'server.log'),
    '10:00 LOG: checkpoint\n10:01 LOG: statement: SELECT 1\n\tFROM t\n10:02 LOG: started\n',
  );
  const log = await logs.action({ logName: 'general', publish: true });
  assert.deepEqual(objectsOf(objects.kept, 'general'), [
    '10:01 LOG: statement: SELECT 1\n\tFROM t\n',
  ]);
  assert.equal(log.published, 39);
});

test('USER logs are switched by the datastore; publish enables a disabled one; SYS logs cannot be switched', async (t) => {
  let on = false;
  const switched: string[] = [];
  const declared = (dir: string): DatastoreLogFile[] => [
    {
      name: 'general',
      type: 'USER',
      file: join(dir, 'general.log'),
      enabled: async () => on,
      enable: async () => {
        switched.push('on');
        on = true;
      },
      disable: async () => {
        switched.push('off');
        on = false;
      },
    },
    ...sysLog(dir),
  ];
  const { logs } = await setUp(t, declared);
  const [general, guest] = await logs.list();
  assert.deepEqual([general?.status, general?.exposed, guest?.exposed], ['Disabled', true, false]);
  assert.equal((await logs.action({ logName: 'general', publish: true })).status, 'Enabled');
  assert.equal((await logs.action({ logName: 'general', disable: true })).status, 'Disabled');
  assert.deepEqual(switched, ['on', 'off']);
  const refused = async (
    action: Parameters<GuestLogs['action']>[0],
    status: number,
    text: RegExp,
  ) =>
    assert.rejects(logs.action(action), (e: unknown) => {
      assert.ok(isCellarError(e));
      assert.equal(e.status, status);
      assert.match(e.message, text);
      return true;
    });
  await refused({ logName: 'guest', enable: true }, 400, /guest log is a SYS log/);
  await refused({ logName: 'general', enable: true, disable: true }, 400, /enabled and disabled/);
  await refused({ logName: 'slow', publish: true }, 404, /slow.*general, guest/);
});

test('a log sharing its file begins when it is enabled: earlier entries are not pending', async (t) => {
  let on = false;
  const shared = (dir: string): DatastoreLogFile[] => [
    {
      name: 'general',
      type: 'USER',
      file: join(dir, 'server.log'),
      entryStart: /^\d\d:\d\d /,
      pick: () => (entry) => (entry.includes('statement:') ? entry : undefined),
      enabled: async () => on,
      enable: async () => {
        on = true;
      },
    },
  ];
  const { dir, objects, logs } = await setUp(t, shared);
  const file = join(dir, 'server.log');
  await writeFile(file, '10:00 LOG: statement: before\n');
  const enabled = await logs.action({ logName: 'general', enable: true });
  assert.deepEqual([enabled.status, enabled.pending], ['Enabled', 0]);
  await appendFile(file, '10:01 LOG: statement: after\n');
  // Enabled again while on: what is pending stays pending.
  assert.equal((await logs.action({ logName: 'general', enable: true })).pending, 28);
  await logs.action({ logName: 'general', publish: true });
  assert.deepEqual(objectsOf(objects.kept, 'general'), ['10:01 LOG: statement: after\n']);
});
