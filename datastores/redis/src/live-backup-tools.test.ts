// redis_rdb's tool against a real redis-server: an incremental refused before any work, a
// redis-cli killed or aborted mid-stream rejects done and leaves no process (nor the server's fork).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf, commandLine, isAlive, runningServer } from '@cellar/plugin-api/processes';
import backupStrategy from './backup.js';
import { dumpRdb } from './rdb-dump.js';
import { startBackup } from './testing/backup-run.js';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
let server: LiveServer | undefined;
/** Enough incompressible data that the RDB fills every pipe and socket buffer when not read. */
const BIG_KEYS = 300;
const BIG_VALUE = 100_000;

before(async () => {
  if (skip) return;
  server = await liveInstance({ persistence: 'rdb' });
  await server.manager.prepare({ memoryMb: 1024, databases: [], users: [], rootPassword: 'pw' });
  const root = await server.connect('default', 'pw');
  const batch = root.pipeline();
  for (let i = 0; i < BIG_KEYS; i++) batch.set(`big:${i}`, randomBytes(BIG_VALUE));
  await batch.exec();
  root.disconnect();
});
after(async () => {
  await server?.dispose();
});

const live = (): LiveServer => {
  if (server === undefined) throw new Error('no server');
  return server;
};

/** Our redis-cli children. */
async function redisClis(): Promise<number[]> {
  const children = await childrenOf(process.pid);
  const clis: number[] = [];
  for (const pid of children)
    if ((await commandLine(pid).catch(() => '')).includes('redis-cli')) clis.push(pid);
  return clis;
}

/** Waits for a condition, failing with `what` past the deadline. */
async function until(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(20);
  }
}

/** Nothing left: our redis-cli gone, and the server's fork that fed it too. */
async function nothingLeft(): Promise<void> {
  const s = live();
  const pid = runningServer(join(s.runDir, 'redis.pid'), join(s.mountPoint, 'data')) ?? 0;
  await until('no redis-cli is left', async () => (await redisClis()).length === 0);
  await until("the server's fork is gone", async () => (await childrenOf(pid)).length === 0);
}

/** Reads and drops a stream, for its error. */
const drained = (stream: NodeJS.ReadableStream): Promise<void> =>
  pipeline(stream, new Writable({ write: (_c, _e, done) => done() }));

test(
  'redis_rdb declares itself full only, and refuses an incremental before any work',
  { skip },
  async () => {
    assert.equal(backupStrategy.incremental, false);
    await assert.rejects(
      startBackup(live().manager, { id: 'inc', parent: { id: 'full', type: 'redis_rdb' } }),
      /full backups only/,
    );
    assert.deepEqual(await redisClis(), [], 'no tool was started');
  },
);

test('a redis-cli killed mid-stream rejects done, and leaves no process', { skip }, async () => {
  const source = await startBackup(live().manager, { id: 'killed' });
  let clis: number[] = [];
  await until('redis-cli runs', async () => (clis = await redisClis()).length === 1);
  const { password } = await live().manager.rdb.dumpAccess();
  const argv = await commandLine(clis[0] ?? 0);
  assert.ok(argv.includes('--rdb') && !argv.includes(password), 'no password on the command line');
  // Not read yet: redis-cli is blocked writing, far from the end of the RDB.
  process.kill(clis[0] ?? 0, 'SIGKILL');
  await assert.rejects(drained(source.stream), /killed by SIGKILL/);
  await assert.rejects(source.done, /redis-cli was killed by SIGKILL/);
  assert.ok(!isAlive(clis[0] ?? 0));
  await nothingLeft();
});

test(
  'an aborted backup stops redis-cli, rejects done, and leaves no process',
  { skip },
  async () => {
    const abort = new AbortController();
    const source = await startBackup(live().manager, { id: 'aborted' }, abort.signal);
    await until('redis-cli runs', async () => (await redisClis()).length === 1);
    abort.abort();
    await assert.rejects(drained(source.stream), /cancelled/);
    await assert.rejects(source.done, /cancelled/);
    await nothingLeft();
  },
);

test('after a killed backup the next one is whole', { skip }, async () => {
  const source = await startBackup(live().manager, { id: 'again' });
  await drained(source.stream);
  const meta = await source.done;
  assert.equal(meta['keys'], BIG_KEYS);
  assert.ok(Number(meta['rdbSize']) > BIG_KEYS * BIG_VALUE, 'the whole dataset');
  await nothingLeft();
});

test(
  "a refused login or SYNC fails the backup with redis-cli's own last line",
  { skip },
  async () => {
    const access = await live().manager.rdb.dumpAccess();
    const signal = new AbortController().signal;
    // Root may not SYNC (its rules take replication away): the server answers NOPERM.
    for (const [who, said] of [
      [{ ...access, password: 'wrong' }, /AUTH failed: WRONGPASS/],
      [{ ...access, user: 'default', password: 'pw' }, /SYNC with master failed: -NOPERM/],
    ] as const) {
      const dump = dumpRdb(who, signal);
      await assert.rejects(drained(dump.stream), said);
      await assert.rejects(dump.done, said);
    }
    await nothingLeft();
  },
);
