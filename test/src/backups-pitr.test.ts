// Point-in-time recovery of PostgreSQL through the API on real instances of the local compute
// driver, WAL archived to the local storage: the window the detail shows, a restore between two
// writes, times outside the window refused up front, and a gap in the archive shown and enforced.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import {
  clockPast,
  closeSegment,
  holds,
  pitrSource,
  postgresql,
  serverNow,
  sql,
  untilWindow,
  type PitrSource,
} from './support/pitr-source.js';

const storage = await mkdtemp(join(tmpdir(), 'cellar-pitr-'));
// Guests run as users of their own when the tests run as root: they pass through to their project's.
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
  'postgresql.wal_archiving=true',
]);

// Both tests use one archiving instance and its full backup: the second carries on its archive.
let source: Promise<PitrSource> | undefined;
const sourceOnce = (): Promise<PitrSource> => (source ??= pitrSource(local));

const iso = (ms: number): string => new Date(ms).toISOString();

async function instanceCount(): Promise<number> {
  return ((await local.api('GET', '/instances')).json['instances'] as Json[]).length;
}

/** POST /instances restoring `restore_time` of `instance`, which must be refused with 400. */
async function refused(instance: string, time: number, base: object): Promise<string> {
  const before = await instanceCount();
  const answer = await local.api('POST', '/instances', {
    instance: { ...base, name: 'never', restorePoint: { instance, restore_time: iso(time) } },
  });
  assert.equal(answer.status, 400, JSON.stringify(answer.json));
  assert.equal(await instanceCount(), before, 'a refused restore creates no instance');
  return JSON.stringify(answer.json);
}

test(
  'a restore to a time between t2 and t3 has exactly the rows of t1 and t2; times outside the shown window are refused naming it',
  { skip: noPostgresql },
  async () => {
    const { id, address, base } = await sourceOnce();
    await postgresql.write(address, 1, 10);
    const t1 = await serverNow(address);
    await clockPast(address, t1, 1000);
    await postgresql.write(address, 11, 20);
    const target = await serverNow(address);
    await clockPast(address, target, 1000);
    const t3 = await serverNow(address);
    await postgresql.write(address, 21, 30);
    await closeSegment(address, 'filler_t3');

    const window = await untilWindow(local, id, 'the window to reach past t3', (w) => holds(w, t3));
    assert.equal(window.spans.length, 1, JSON.stringify(window));
    assert.deepEqual(window.gaps, []);
    assert.ok(holds(window, target), JSON.stringify(window));
    const earliest = Date.parse(window.spans[0]?.earliest ?? '');
    const said = await refused(id, earliest - 1000, base);
    assert.ok(
      said.includes(`recoverable window of instance ${id} is ${window.spans[0]?.earliest} to`),
      said,
    );
    assert.match(said, /gaps: none/);

    const restored = await activeInstance(local, {
      ...base,
      name: 'pitr-restored',
      restorePoint: { instance: id, restore_time: iso(target) },
    });
    assert.deepEqual(
      await postgresql.read(restored.address),
      Array.from({ length: 20 }, (_, k) => k + 1),
      'the rows of t1 and t2, none of t3',
    );
    const shown = (await local.api('GET', `/instances/${restored.id}`)).json['instance'] as Json;
    assert.equal((shown['restore_point'] as Json)['restore_time'], iso(target));
    // It archives too, but has no full backup yet: nothing to restore it to.
    assert.deepEqual(shown['recoverable_window'], { spans: [], gaps: [] });
    assert.equal((await local.api('DELETE', `/instances/${restored.id}`)).status, 202);
  },
);

/** The archived WAL segments of the instance in the storage directory, by name: their files. */
async function archivedSegments(project: string, id: string): Promise<Map<string, string>> {
  const dir = join(storage, project, 'wal', id);
  const segments = new Map<string, string>();
  for (const file of await readdir(dir)) {
    const match = /^([0-9A-F]{24})\.c(\d+|-)\./.exec(file);
    if (match?.[1] !== undefined) segments.set(match[1], file);
  }
  return segments;
}

test(
  'a WAL segment lost from the archive shows in recoverable_window.gaps and a time past it is refused',
  { skip: noPostgresql },
  async () => {
    const { id, address, base } = await sourceOnce();
    const a = await serverNow(address);
    await postgresql.write(address, 31, 40);
    await closeSegment(address, 'filler_a');
    await untilWindow(local, id, 'the window to reach past A', (w) => holds(w, a));
    const archivedA = await archivedSegments(local.session.project, id);
    const b = await serverNow(address);
    await postgresql.write(address, 41, 50);
    await closeSegment(address, 'filler_b');
    await untilWindow(local, id, 'the window to reach past B', (w) => holds(w, b));

    // The last segment archived before B's rows: after it, nothing recovers up to B.
    const lost = [...archivedA.keys()].sort().at(-1) ?? assert.fail('no segment archived');
    const later = [...(await archivedSegments(local.session.project, id)).keys()];
    assert.ok(
      later.some((name) => name > lost),
      'segments were archived after the lost one',
    );
    await rm(join(storage, local.session.project, 'wal', id, archivedA.get(lost) ?? ''));

    const window = await untilWindow(local, id, `the gap ${lost} to show`, (w) =>
      w.gaps.includes(lost),
    );
    assert.equal(holds(window, b), false, JSON.stringify(window));
    const said = await refused(id, b, base);
    assert.ok(said.includes(`gaps: ${lost}`), said);
    assert.match(await sql(address, 'SELECT count(*) FROM items'), /^50$/);
  },
);
