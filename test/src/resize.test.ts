// Resizing a real PostgreSQL instance on the local compute driver, as its user meets it: a volume
// of 1 GB fills up and refuses writes with a disk-full error, the detail shows it full, a resize
// to 2 GB lets the same write through with the earlier data intact, and a larger flavor's RAM
// shows in shared_buffers. The volume is mounted again when the host's mounts are gone. In order.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { endProcessesUnder, type Json } from '@cellar/server/testing';
import { deleteWithoutTrace, localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql, psql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const exec = promisify(execFile);
const skip =
  noPostgresql ||
  (process.getuid?.() === 0
    ? false
    : 'volume sizes are enforced with loop-mounted filesystem images only when Cellar runs as root');
const local = localCellarOfFile(skip);
const { api } = local;
const app = (address: string, sql: string) => psql(address, 'app', 'app-Secret-1', 'appdb', sql);

/** 50 MB that PostgreSQL cannot compress: a write of a known size. */
const WRITE_50MB = "INSERT INTO filler SELECT repeat('x', 1024 * 1024) FROM generate_series(1, 50)";

let one: { id: string; address: string } | undefined;
const made = (): { id: string; address: string } => {
  assert.ok(one, 'the first test made no instance');
  return one;
};

/** Where the instance's volume is mounted, as /proc/self/mountinfo lists it, or undefined. */
async function mountOf(id: string): Promise<string | undefined> {
  const path = join(local.state, 'instances', id, 'volume');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').find((line) => line.split(' ')[4] === path);
}

/** A digest of the logged table the tests keep: the earlier data, whole. */
const NOTES_DIGEST = "SELECT md5(string_agg(id || ':' || body, ',' ORDER BY id)) FROM notes";
let digest = '';

const shown = async (id: string): Promise<Json> =>
  (await api('GET', `/instances/${id}`)).json['instance'] as Json;

test(
  'a full volume of 1 GB refuses writes with a disk-full error, and the detail shows it full',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-resize',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version: local.version },
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, settled, 'ACTIVE', 90, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[])[0] ?? '';
    assert.ok(await mountOf(id), "the instance's volume is a filesystem of its own");

    // Unlogged: the data files fill the volume, not the WAL (a WAL write that fails stops the server).
    const setup = await app(
      address,
      'CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$kept$$);' +
        'INSERT INTO notes SELECT g, md5(g::text) FROM generate_series(2, 10000) g;' +
        'CREATE UNLOGGED TABLE filler (b text); ALTER TABLE filler ALTER COLUMN b SET STORAGE EXTERNAL;',
    );
    assert.ok(setup.ok, setup.out);
    let refused: string | undefined;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      const wrote = await app(address, WRITE_50MB);
      if (!wrote.ok) refused = wrote.out;
    }
    assert.ok(refused, 'writes beyond 1 GB were refused');
    digest = (await app(address, NOTES_DIGEST)).out;
    assert.match(digest, /^[0-9a-f]{32}$/);
    assert.match(refused, /No space left on device/);
    const rows = Number((await app(address, 'SELECT count(*) FROM filler')).out);
    assert.ok(rows >= 700, `${rows} MB were written before the volume was full`);
    one = { id, address };

    const full = await waitFor(
      async () => {
        const volume = (await shown(id))['volume'] as Json;
        return typeof volume['used'] === 'number' && volume['used'] > 0.9 ? volume : undefined;
      },
      { timeout: 20_000, what: 'the detail to show the volume full', interval: 500 },
    );
    assert.equal(full['size'], 1);
  },
);

test(
  'resized to 2 GB, the volume takes the write it refused, the earlier data intact',
  { skip },
  async () => {
    const { id, address } = made();
    const resize = await api('POST', `/instances/${id}/action`, {
      resize: { volume: { size: 2 } },
    });
    assert.equal(resize.status, 202, JSON.stringify(resize.json));
    const resized = await local.session.untilInstance(
      id,
      (i) => settled(i) && (i['volume'] as Json)['size'] === 2,
      'the volume of 2 GB',
      120,
      200,
    );
    assert.equal(resized['status'], 'ACTIVE', JSON.stringify(resized['fault'] ?? resized));
    const wrote = await app(address, WRITE_50MB);
    assert.ok(wrote.ok, wrote.out);
    assert.equal((await app(address, NOTES_DIGEST)).out, digest, 'the earlier rows, every one');
    // The filler is unlogged: PostgreSQL may empty it after the full volume's stop; notes is logged.
    assert.ok(Number((await app(address, 'SELECT count(*) FROM filler')).out) >= 50);
    const { stdout } = await exec('df', [
      '-B1M',
      '--output=size',
      join(local.state, 'instances', id, 'volume'),
    ]);
    assert.ok(Number(stdout.split('\n')[1]) > 1900, `the filesystem has grown: ${stdout}`);
    const volume = (await shown(id))['volume'] as Json;
    assert.equal(volume['size'], 2);
  },
);

test('resized to a flavor with more RAM, shared_buffers follows it', { skip }, async () => {
  const { id, address } = made();
  assert.equal((await app(address, 'SHOW shared_buffers')).out, '128MB', 'a quarter of 512 MB');
  const resize = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '2' } });
  assert.equal(resize.status, 202, JSON.stringify(resize.json));
  const resized = await local.session.untilInstance(
    id,
    (i) => settled(i) && (i['flavor'] as Json)['id'] === '2',
    'flavor 2',
    120,
    200,
  );
  assert.equal(resized['status'], 'ACTIVE', JSON.stringify(resized['fault'] ?? resized));
  assert.equal((await app(address, 'SHOW shared_buffers')).out, '512MB', 'a quarter of 2048 MB');
  assert.equal((await app(address, 'SELECT body FROM notes WHERE id = 1')).out, 'kept');
});

test(
  'after a host restart took its mounts and processes, the guest comes back on its volume, and a delete leaves nothing mounted',
  { skip },
  async () => {
    const { id, address } = made();
    await local.cellar.stop();
    const dir = join(local.state, 'instances', id);
    // As a reboot would: every process of the instance ends, then its volume is no longer mounted.
    await endProcessesUnder(dir);
    await waitFor(
      async () =>
        exec('umount', [join(dir, 'volume')]).then(
          () => true,
          () => false,
        ),
      {
        timeout: 20_000,
        what: 'the volume to be unmounted once its processes ended',
        interval: 200,
      },
    );
    assert.equal(await mountOf(id), undefined);
    await local.restart();
    const back = await waitFor(
      async () => (await app(address, 'SELECT body FROM notes WHERE id = 1')).out === 'kept',
      { timeout: 90_000, what: 'the database to answer again on its volume', interval: 500 },
    );
    assert.ok(back);
    assert.ok(await mountOf(id), 'mounted again before the guest started');
    await deleteWithoutTrace(local, id);
    assert.equal(await mountOf(id), undefined, 'the deleted instance leaves nothing mounted');
  },
);
