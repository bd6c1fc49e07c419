// The shared poller: one read of the log per change of the stamp however many streams listen,
// none while the stamp stays, and no polling at all once the last stream has gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, ChangeLog } from './change-log.js';
import { ORIGIN, compareCursors, type EventCursor } from './cursor.js';
import { ChangePoller } from './poller.js';

class FakeLog implements Pick<ChangeLog, 'head' | 'after'> {
  readonly changes: Change[] = [];
  reads = 0;
  stamps = 0;
  stamp = 's0';

  add(resource: string): void {
    const seq = this.changes.length + 1;
    this.changes.push({ cursor: { tx: 0, seq }, project: 'p1', kind: 'instance', resource });
    this.stamp = `s${seq}`;
  }

  readonly changeStamp = async (): Promise<string> => {
    this.stamps++;
    return this.stamp;
  };

  async head(): Promise<EventCursor> {
    return this.changes.at(-1)?.cursor ?? ORIGIN;
  }

  async after(after: EventCursor): Promise<Change[]> {
    this.reads++;
    return this.changes.filter((c) => compareCursors(c.cursor, after) > 0);
  }
}

const tickMs = 5;
const settle = async (log: FakeLog, stamps: number): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (log.stamps < stamps) {
    assert.ok(Date.now() < deadline, `the poller looked at the stamp ${log.stamps} times`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

test('every listener gets each change once, from one read of the log per new stamp', async () => {
  const log = new FakeLog();
  log.add('before');
  const poller = new ChangePoller(log, log.changeStamp, {
    tickMs,
    onError: (e) => assert.fail(String(e)),
  });
  const got: [string, string][] = [];
  const one = await poller.subscribe((cs) => cs.forEach((c) => got.push(['one', c.resource])));
  const two = await poller.subscribe((cs) => cs.forEach((c) => got.push(['two', c.resource])));
  assert.deepEqual(one.head, { tx: 0, seq: 1 }, 'a listener starts at the head');
  await settle(log, log.stamps + 3);
  assert.equal(log.reads, 0, 'the log is not read while the stamp stays');
  log.add('a');
  log.add('b');
  await settle(log, log.stamps + 3);
  assert.equal(log.reads, 1);
  assert.deepEqual(got, [
    ['one', 'a'],
    ['one', 'b'],
    ['two', 'a'],
    ['two', 'b'],
  ]);
  one.unsubscribe();
  assert.equal(poller.polling, true, 'one stream still listens');
  two.unsubscribe();
  assert.equal(poller.polling, false, 'nobody listens: the stamp is no longer looked at');
});

test('a failed read is reported and read again at the next tick, handing out nothing twice', async () => {
  const log = new FakeLog();
  const errors: unknown[] = [];
  const poller = new ChangePoller(log, log.changeStamp, {
    tickMs,
    onError: (e) => errors.push(e),
  });
  const got: string[] = [];
  const sub = await poller.subscribe((cs) => cs.forEach((c) => got.push(c.resource)));
  const read = log.after.bind(log);
  let fail = true;
  log.after = async (after) => {
    if (fail) {
      fail = false;
      throw new Error('the control database is away');
    }
    return read(after);
  };
  log.add('a');
  await settle(log, log.stamps + 4);
  sub.unsubscribe();
  assert.equal(errors.length, 1);
  assert.deepEqual(got, ['a']);
});
