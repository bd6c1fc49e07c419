// The one-minute buckets of instance gauges and the pruning of what is older than a day.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { KEPT_MINUTES, MetricsStore } from './store.js';

async function store(t: TestContext): Promise<MetricsStore> {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  t.after(() => control.db.destroy());
  await migrateToLatest(control.db);
  return new MetricsStore(control.db);
}

const at = (iso: string): Date => new Date(iso);

test("a minute's readings make one point, their mean, and minutes come oldest first", async (t) => {
  const metrics = await store(t);
  await metrics.record('i-1', { connections: 2, memory_bytes: 100 }, at('2026-12-01T10:00:05Z'));
  await metrics.record('i-1', { connections: 6 }, at('2026-12-01T10:00:55Z'));
  await metrics.record('i-1', { connections: 3 }, at('2026-12-01T10:01:10Z'));
  await metrics.record('i-2', { connections: 50 }, at('2026-12-01T10:01:10Z'));
  const series = await metrics.series('i-1', 60, at('2026-12-01T10:01:30Z'));
  const minute = Date.parse('2026-12-01T10:00:00Z') / 1000;
  assert.deepEqual(series, [
    {
      name: 'connections',
      unit: 'count',
      points: [
        [minute, 4],
        [minute + 60, 3],
      ],
    },
    { name: 'memory_bytes', unit: 'bytes', points: [[minute, 100]] },
  ]);
  const lastMinute = await metrics.series('i-1', 1, at('2026-12-01T10:01:30Z'));
  assert.deepEqual(lastMinute[0]?.points, [[minute + 60, 3]], 'minutes=1 is the current minute');
});

test('gauges older than a day are pruned when a new minute is recorded', async (t) => {
  const metrics = await store(t);
  const start = at('2026-12-01T00:00:00Z');
  await metrics.record('i-1', { connections: 1 }, start);
  await metrics.record('i-gone', { connections: 9 }, new Date(start.getTime() + 60_000));
  const dayLater = new Date(start.getTime() + KEPT_MINUTES * 60_000);
  // A day after the first minute, that minute is gone and the next one is still kept.
  await metrics.record('i-1', { connections: 2 }, dayLater);
  const kept = await metrics.series('i-1', KEPT_MINUTES + 10, dayLater);
  assert.deepEqual(kept[0]?.points, [[dayLater.getTime() / 1000, 2]]);
  const other = await metrics.series('i-gone', KEPT_MINUTES + 10, dayLater);
  assert.equal(other[0]?.points.length, 1, "another instance's last day is kept");
  // And once that minute is a day old too, it goes, though its instance sends nothing more.
  await metrics.record('i-1', { connections: 3 }, new Date(dayLater.getTime() + 60_000));
  assert.deepEqual(await metrics.series('i-gone', KEPT_MINUTES + 10, dayLater), []);
});

test("the latest gauges are each reporting instance's newest minute", async (t) => {
  const metrics = await store(t);
  await metrics.record('i-1', { connections: 1, disk_used_bytes: 10 }, at('2026-12-01T10:00:00Z'));
  await metrics.record('i-1', { connections: 5 }, at('2026-12-01T10:01:00Z'));
  await metrics.record('i-old', { connections: 7 }, at('2026-12-01T09:50:00Z'));
  const latest = await metrics.latest(at('2026-12-01T10:01:30Z'));
  assert.deepEqual([...latest], [['i-1', { connections: 5, disk_used_bytes: 10 }]]);
});
