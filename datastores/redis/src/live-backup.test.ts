// redis_rdb against real redis-servers: keys written, a backup, more keys, a restore into a new
// instance through prepare that holds exactly the keys at backup time, and keeps them on restart.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { PrepareRequest } from '@cellar/plugin-api';
import { installedVersions } from './server.js';
import { backupToFile, restoreFromFiles } from './testing/backup-run.js';
import { liveInstance, whyNoRedis, type LiveServer } from './testing/live-server.js';

const skip = whyNoRedis() ?? false;
const servers: LiveServer[] = [];
const files = new Map<string, string>();
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crd-bkf-'));
});
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const request = (more: Partial<PrepareRequest> = {}): PrepareRequest => ({
  memoryMb: 1024,
  databases: [],
  users: [{ name: 'app', password: 'app-pw' }],
  rootPassword: 'root-pw',
  ...more,
});

async function server(
  persistence: string,
  more: Partial<PrepareRequest> = {},
  prepare = true,
): Promise<LiveServer> {
  const s = await liveInstance({ persistence }, restoreFromFiles(files));
  servers.push(s);
  if (prepare) await s.manager.prepare(request(more));
  return s;
}

/** Every key of databases 0 and 3 with its value, as a user would read them back. */
async function contents(client: Redis): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  for (const db of [0, 3]) {
    await client.select(db);
    for (const key of (await client.keys('*')).sort()) {
      const type = await client.type(key);
      const value =
        type === 'hash'
          ? JSON.stringify(await client.hgetall(key))
          : type === 'list'
            ? JSON.stringify(await client.lrange(key, 0, -1))
            : type === 'set'
              ? JSON.stringify((await client.smembers(key)).sort())
              : String(await client.get(key));
      seen[`${db}/${key}`] = `${type}:${value}${(await client.pttl(key)) > 0 ? ' (expires)' : ''}`;
    }
  }
  await client.select(0);
  return seen;
}

async function writeKnownKeys(client: Redis): Promise<void> {
  for (let i = 0; i < 500; i++) await client.set(`k:${i}`, `v${i}`);
  await client.hset('h', { a: '1', b: '2' });
  await client.rpush('l', 'x', 'y', 'z');
  await client.sadd('s', 'p', 'q');
  await client.set('ttl', 'soon', 'EX', 3600);
  await client.select(3);
  await client.set('other-db', 'three');
  await client.select(0);
}

async function rootContents(s: LiveServer): Promise<Record<string, string>> {
  const root = await s.connect('default', 'root-pw');
  try {
    return await contents(root);
  } finally {
    root.disconnect();
  }
}

test(
  'a restore into a new instance has exactly the keys at backup time, also after a restart with AOF',
  { skip },
  async () => {
    const source = await server('rdb');
    const app = await source.connect('default', 'root-pw');
    await writeKnownKeys(app);
    const atBackup = await contents(app);
    const file = join(dir, 'full.rdb');
    files.set('b-full', file);
    const meta = await backupToFile(source.manager, 'b-full', file);
    assert.equal(meta['rdbSize'], (await stat(file)).size, 'the file is the RDB, no more');
    assert.equal(meta['keys'], 505);
    const [installed] = await installedVersions();
    const version = meta['redisVersion'];
    assert.ok(typeof version === 'string' && version.startsWith(`${installed?.name}.`), 'version');
    await app.set('k:after', 'later');
    await app.del('k:0');
    app.disconnect();

    const backupInfo = { id: 'b-full', type: 'redis_rdb', meta };
    const restored = await server('aof', {
      backupInfo,
      users: [{ name: 'fresh', password: 'fresh-pw' }],
    });
    assert.deepEqual(await rootContents(restored), atBackup);
    const { items } = await restored.manager.listUsers({});
    assert.deepEqual(
      items.map((u) => u.name),
      ['fresh'],
      "users are the new instance's: the RDB holds data only",
    );
    const fresh = await restored.connect('fresh', 'fresh-pw');
    assert.equal(await fresh.get('k:0'), 'v0');
    fresh.disconnect();
    assert.ok(!existsSync(join(restored.mountPoint, 'cellar-restored')), 'taken in');
    assert.ok(
      readdirSync(join(restored.mountPoint, 'data', 'appendonlydir')).some((f) => /base/.test(f)),
      'the AOF has its base',
    );

    await restored.manager.restart();
    assert.deepEqual(await rootContents(restored), atBackup, 'the AOF kept the restored keys');
  },
);

test(
  'a restore into an instance with RDB persistence keeps its keys on restart',
  { skip },
  async () => {
    const source = await server('none');
    const app = await source.connect('default', 'root-pw');
    await writeKnownKeys(app);
    const atBackup = await contents(app);
    app.disconnect();
    const file = join(dir, 'from-cache.rdb');
    files.set('b-cache', file);
    const meta = await backupToFile(source.manager, 'b-cache', file);
    const restored = await server('rdb', { backupInfo: { id: 'b-cache', meta } });
    assert.deepEqual(await rootContents(restored), atBackup);
    await restored.manager.restart();
    assert.deepEqual(await rootContents(restored), atBackup);
  },
);

test('a truncated RDB fails the restore, saying so, and leaves no dump.rdb', { skip }, async () => {
  const source = await server('rdb');
  const app = await source.connect('default', 'root-pw');
  await writeKnownKeys(app);
  app.disconnect();
  const file = join(dir, 'whole.rdb');
  await backupToFile(source.manager, 'b-whole', file);
  const cut = join(dir, 'cut.rdb');
  const { size } = await stat(file);
  await copyFile(file, cut);
  await truncate(cut, Math.floor(size / 2));
  files.set('b-cut', cut);
  const target = await server('aof', {}, false);
  await assert.rejects(
    target.manager.prepare(request({ backupInfo: { id: 'b-cut' } })),
    (e: Error) => /b-cut/.test(e.message) && /truncated/.test(e.message),
  );
  const data = readdirSync(join(target.mountPoint, 'data'));
  assert.deepEqual(data, [], 'no dump.rdb and no half-written file');
});

test(
  'a backup with one flipped byte is refused on restore, the checksum mismatch named',
  { skip },
  async () => {
    const source = await server('rdb');
    const root = await source.connect('default', 'root-pw');
    await writeKnownKeys(root);
    root.disconnect();
    const file = join(dir, 'flipped.rdb');
    await backupToFile(source.manager, 'b-flip', file);
    const checksum = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const bytes = await readFile(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    files.set('b-flip', file);
    const target = await server('rdb', {}, false);
    await assert.rejects(
      target.manager.prepare(request({ backupInfo: { id: 'b-flip', checksum } })),
      (e: Error & { code?: string }) =>
        e.code === 'CELLAR_BACKUP_CHECKSUM_MISMATCH' && e.message.includes(checksum),
    );
    assert.deepEqual(readdirSync(join(target.mountPoint, 'data')), [], 'nothing of it was used');
  },
);

test(
  'a restore into a cache (persistence none) holds the keys until a restart',
  { skip },
  async () => {
    const source = await server('rdb');
    const root = await source.connect('default', 'root-pw');
    await writeKnownKeys(root);
    const atBackup = await contents(root);
    root.disconnect();
    const file = join(dir, 'for-cache.rdb');
    files.set('b-for-cache', file);
    await backupToFile(source.manager, 'b-for-cache', file);
    const cache = await server('none', { backupInfo: { id: 'b-for-cache' } });
    assert.deepEqual(await rootContents(cache), atBackup);
    assert.ok(!existsSync(join(cache.mountPoint, 'data', 'dump.rdb')), 'nothing kept on disk');
    await cache.manager.restart();
    assert.deepEqual(await rootContents(cache), {}, 'a cache starts empty, as without a restore');
  },
);
