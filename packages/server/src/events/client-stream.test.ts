// One client's stream: its project's changes only, once each and in order, the newest state of
// what changed twice, nothing before the backlog is done, keep-alives, and an end for a client
// that stops reading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import type { InstanceDeps } from '../instances/deps.js';
import type { ViewContext } from '../instances/views.js';
import type { Change } from './change-log.js';
import { ClientStream, coalesce, type EventSink } from './client-stream.js';
import { EventStreams } from './event-streams.js';

const change = (seq: number, resource: string, project = 'p1'): Change => ({
  cursor: { tx: 0, seq },
  project,
  kind: 'instance',
  resource,
});
const view: ViewContext = {
  base: 'http://cellar.test',
  tenant: 'p1',
  admin: false,
  now: new Date(),
  heartbeatExpiry: 90,
};
const renderer = {
  data: async (c: Change) => JSON.stringify({ id: c.resource, seq: c.cursor.seq }),
};

class TextSink implements EventSink {
  text = '';
  unsent = 0;
  ended = false;
  write(text: string): void {
    this.text += text;
  }
  end(): void {
    this.ended = true;
  }
}

const onError = (e: unknown) => assert.fail(String(e));

const sentIds = (sink: TextSink): (string | undefined)[] =>
  [...sink.text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);

async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `no ${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('what changed several times is sent once, at its last change, in the order of the log', () => {
  const changes = [change(1, 'a'), change(2, 'b'), change(3, 'a'), change(4, 'c')];
  assert.deepEqual(
    coalesce(changes).map((c) => [c.resource, c.cursor.seq]),
    [
      ['b', 2],
      ['a', 3],
      ['c', 4],
    ],
  );
});

test("a stream sends its project's changes after its cursor, and none before the backlog is done", async () => {
  const sink = new TextSink();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stream = new ClientStream('p1', view, sink, renderer, onError, { tx: 0, seq: 1 }, gate);
  stream.enqueue([change(1, 'old'), change(2, 'a'), change(3, 'theirs', 'p2')]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(sink.text, '', 'live changes wait for the backlog');
  await stream.send([change(2, 'a')]);
  assert.equal(sink.text, 'id: 0.2\nevent: instance\ndata: {"id":"a","seq":2}\n\n');
  release();
  stream.enqueue([change(4, 'b')]);
  await eventually(() => sink.text.includes('id: 0.4'), 'change 4 sent');
  assert.deepEqual(
    sentIds(sink),
    ['0.2', '0.4'],
    'the queued change 2 is not sent again; change 1 was before the cursor; p2 is not its project',
  );
});

test('a client that does not read what it is sent has its stream ended, to resume later', async () => {
  const sink = new TextSink();
  sink.unsent = 2 * 1024 * 1024;
  const stream = new ClientStream(
    'p1',
    view,
    sink,
    renderer,
    onError,
    undefined,
    Promise.resolve(),
  );
  await stream.send([change(1, 'a')]);
  assert.equal(sink.ended, true);
  assert.equal(stream.ended, true);
});

test('an idle stream gets keep-alive comments, and closing the streams ends it', async () => {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  const deps = { db: control.db, changeStamp: control.changeStamp, datastores: new Map() };
  const streams = new EventStreams(deps as unknown as InstanceDeps, {
    keepAliveMs: 10,
    tickMs: 10,
    retentionMs: 60_000,
    onError,
  });
  const sink = new TextSink();
  await streams.open('p1', view, undefined, sink);
  assert.match(sink.text, /^id: 0\.0\n\n/, 'a new stream is told where it starts');
  await eventually(() => sink.text.includes(': keep-alive\n\n'), 'a keep-alive');
  streams.close();
  assert.equal(sink.ended, true);
  await control.close();
});
