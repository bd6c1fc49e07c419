// The storage as a guest sees it: its project's objects only. An object of another project cannot
// be read or deleted through it, even by its exact location.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findAppRoot, openPlugins } from '@cellar/plugins';
import { guestStorage } from './objects.js';

test("a guest's storage keeps to its project: another project's object is refused by location", async (t) => {
  const path = await mkdtemp(join(tmpdir(), 'cellar-guest-objects-'));
  t.after(() => rm(path, { recursive: true, force: true }));
  const found = findAppRoot(dirname(fileURLToPath(import.meta.url)));
  assert.ok(found.ok);
  const { host } = openPlugins({ appRoot: found.root });
  const values = { path, fsync: false };
  const mine = guestStorage({ host, name: 'local', values, project: 'alice' });
  const theirs = guestStorage({ host, name: 'local', values, project: 'bob' });
  t.after(() => Promise.all([mine.close(), theirs.close()]));
  const stored = await theirs.put('wal/000001', Readable.from([Buffer.from('bob-data')]));
  assert.equal(await text(await theirs.get(stored.location)), 'bob-data');
  await assert.rejects(mine.get(stored.location), /is not an object of project alice/);
  await assert.rejects(mine.delete(stored.location), /is not an object of project alice/);
  assert.deepEqual(await mine.list('wal/'), []);
  assert.deepEqual(
    (await theirs.list('wal/')).map((o) => o.key),
    ['wal/000001'],
  );
});
