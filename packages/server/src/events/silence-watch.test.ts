// Guests falling silent and coming back are recorded as instance changes, once each, on both
// dialects: the state a client sees changes then without any write.
import assert from 'node:assert/strict';
import { onBothDialects } from '../testing/backup-fixture.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { ChangeLog } from './change-log.js';
import { SilenceWatch } from './silence-watch.js';

const iso = (ms: number): string => new Date(ms).toISOString();

onBothDialects(
  'a guest that falls silent, then beats again, is an instance change each time',
  async (control) => {
    const { db } = control;
    const log = new ChangeLog(db);
    const id = await insertInstance(db);
    const start = Date.now();
    await db
      .updateTable('instances')
      .set({ task_status: 'NONE', server_status: 'ACTIVE' })
      .execute();
    await db
      .insertInto('service_statuses')
      .values({ instance_id: id, status: 'healthy', updated_at: iso(start - 85_000) })
      .execute();
    const head = await log.head();
    const watch = new SilenceWatch(db, log, 90, start);
    await watch.check(start + 1000);
    assert.deepEqual(await log.after(head, { limit: 10 }), [], 'not silent for 90 s yet');
    await watch.check(start + 10_000);
    const fell = await log.after(head, { limit: 10 });
    assert.deepEqual(
      fell.map((c) => [c.kind, c.resource, c.project]),
      [['instance', id, 'p1']],
    );
    const fellAt = fell[0]?.cursor ?? head;
    await watch.check(start + 20_000);
    assert.deepEqual(await log.after(fellAt, { limit: 10 }), [], 'still silent: no new change');
    await db
      .updateTable('service_statuses')
      .set({ updated_at: iso(start + 21_000) })
      .execute();
    await watch.check(start + 22_000);
    assert.deepEqual(
      (await log.after(fellAt, { limit: 10 })).map((c) => c.resource),
      [id],
      'beating again is a change too',
    );
  },
);
