// The one test suite every RPC transport runs (Hono's shared-case pattern): call, cast, typed
// errors, timeouts, absent servers, signatures, instance impersonation, concurrency, competition.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Type } from '@sinclair/typebox';
import {
  DatastoreOperationNotSupported,
  RpcBadArguments,
  RpcNoSuchMethod,
  RpcRejected,
  RpcTimeout,
  RpcUnavailable,
} from '@cellar/plugin-api';
import type { RequestEnvelope } from '../envelope.js';
import { method, RpcClient, serve } from '../rpc.js';
import type { Listener, Transport } from '../transport.js';

export * from './rabbitmq.js';

export interface TransportPair {
  /** Transports for a caller and two servers, each its own connection. */
  readonly client: Transport;
  readonly server: Transport;
  readonly server2: Transport;
  close(): Promise<void>;
}

/** Three transports from `open`, each its own connection, closed together (then `cleanup`). */
export async function transportPair(
  open: () => Promise<Transport>,
  cleanup?: () => Promise<void>,
): Promise<TransportPair> {
  const [client, server, server2] = [await open(), await open(), await open()];
  return {
    client,
    server,
    server2,
    close: async () => {
      for (const t of [client, server, server2]) await t.close();
      await cleanup?.();
    },
  };
}

const CONTROL_KEY = 'control-plane-key';
const KEYS: Readonly<Record<string, string>> = {
  'instance-a': 'key-of-a',
  'instance-b': 'key-of-b',
};
const context = { requestId: 'req-1', projectId: 'p1', userId: 'u1', roles: ['member'] };

/** Control-plane messages carry the control key; a guest's message the key of the instance it names. */
const keyFor = (request: RequestEnvelope): string | undefined =>
  request.instance === undefined ? CONTROL_KEY : KEYS[request.instance];

function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const topic = (suffix: string): string =>
  `cellar-test.${suffix}.${Math.random().toString(36).slice(2, 8)}`;

/** What every case of the suite shares: the transports, the served topic and a signed client. */
interface Fixture {
  readonly name: string;
  readonly pair: TransportPair;
  readonly served: string;
  readonly client: RpcClient;
  /** The numbers the `remember` casts delivered, in the order they were handled. */
  readonly casts: readonly unknown[];
}

/** Serves the suite's methods on a fresh topic: echo, a cast sink, a catalog error, a slow one. */
async function serveTestMethods(
  pair: TransportPair,
  casts: unknown[],
): Promise<{ served: string; listener: Listener }> {
  const served = topic('guestagent');
  const listener = await serve({
    transport: pair.server,
    topic: served,
    keyFor,
    methods: {
      echo: method(Type.Object({ text: Type.String() }), async (args, request) => ({
        text: args.text,
        context: request.context,
        instance: request.instance ?? null,
      })),
      remember: method(Type.Object({ n: Type.Integer() }), async (args) => void casts.push(args.n)),
      unsupported: method(Type.Object({}), async () => {
        throw new DatastoreOperationNotSupported({
          operation: 'create_backup',
          datastore: 'redis',
        });
      }),
      slow: method(
        Type.Object({ ms: Type.Integer() }),
        async (args) => new Promise((r) => setTimeout(() => r('late'), args.ms)),
      ),
    },
  });
  return { served, listener };
}

async function callsAndCasts(t: TestContext, { client, served, casts }: Fixture): Promise<void> {
  await t.test('a call returns the result, with the request context intact', async () => {
    assert.deepEqual(await client.call(served, 'echo', { text: 'hello' }, { context }), {
      text: 'hello',
      context,
      instance: null,
    });
  });

  await t.test('a cast is delivered and handled', async () => {
    await client.cast(served, 'remember', { n: 7 }, { context });
    await until(() => casts.includes(7), 5000);
  });
}

async function typedErrors(t: TestContext, { client, served }: Fixture): Promise<void> {
  await t.test('an error thrown by the handler arrives as the same catalog error', async () => {
    await assert.rejects(client.call(served, 'unsupported', {}, { context }), (e: unknown) => {
      assert.ok(e instanceof DatastoreOperationNotSupported);
      assert.deepEqual(e.details, { operation: 'create_backup', datastore: 'redis' });
      return true;
    });
  });

  await t.test(
    'an unknown method and bad arguments are refused with their own errors',
    async () => {
      await assert.rejects(client.call(served, 'nope', {}, { context }), RpcNoSuchMethod);
      await assert.rejects(
        client.call(served, 'echo', { text: 42 }, { context }),
        (e: unknown) => e instanceof RpcBadArguments && /\/text/.test(e.message),
      );
    },
  );
}

async function deadlines(t: TestContext, { client, served }: Fixture): Promise<void> {
  await t.test('a call with no reply in time fails with RpcTimeout', async () => {
    const started = Date.now();
    await assert.rejects(
      client.call(served, 'slow', { ms: 3000 }, { context, timeout: 0.3 }),
      RpcTimeout,
    );
    assert.ok(Date.now() - started < 2000);
  });

  await t.test('a call to a topic nobody serves fails with RpcUnavailable, promptly', async () => {
    const started = Date.now();
    await assert.rejects(
      client.call(topic('nobody'), 'echo', { text: 'x' }, { context, timeout: 5 }),
      RpcUnavailable,
    );
    assert.ok(Date.now() - started < 2000);
  });
}

async function signatures(t: TestContext, { pair, client, served, casts }: Fixture): Promise<void> {
  await t.test('a message without the right key is refused and never handled', async () => {
    const intruder = new RpcClient({ transport: pair.client, key: 'guessed-key' });
    await assert.rejects(
      intruder.call(served, 'echo', { text: 'x' }, { context, timeout: 5 }),
      RpcRejected,
    );
    const before = casts.length;
    await intruder.cast(served, 'remember', { n: 666 }, { context });
    // A signed cast sent after it, once handled, shows the unsigned one had its turn first.
    await client.cast(served, 'remember', { n: 667 }, { context });
    await until(() => casts.includes(667), 5000);
    assert.deepEqual(casts.slice(before), [667]);
  });

  await t.test('a guest signs as its instance and cannot speak for another', async () => {
    const guestA = new RpcClient({
      transport: pair.client,
      key: KEYS['instance-a'] ?? '',
      instance: 'instance-a',
    });
    assert.deepEqual(await guestA.call(served, 'echo', { text: 'hi' }, { context }), {
      text: 'hi',
      context,
      instance: 'instance-a',
    });
    const impostor = new RpcClient({
      transport: pair.client,
      key: KEYS['instance-a'] ?? '',
      instance: 'instance-b',
    });
    await assert.rejects(
      impostor.call(served, 'echo', { text: 'x' }, { context, timeout: 5 }),
      RpcRejected,
    );
  });
}

async function concurrency(t: TestContext, { client, served }: Fixture): Promise<void> {
  await t.test('many calls in flight each get their own reply', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const replies = await Promise.all(
      texts.map((text) => client.call<{ text: string }>(served, 'echo', { text }, { context })),
    );
    assert.deepEqual(
      replies.map((r) => r.text),
      texts,
    );
  });
}

async function competition(t: TestContext, { name, pair, client }: Fixture): Promise<void> {
  const skip =
    !pair.server.competingConsumers && `the ${name} transport serves each topic from one process`;
  await t.test('servers on one topic compete for its messages', { skip }, async () => {
    const shared = topic('taskmanager');
    const seen: [string, number][] = [];
    const handler = (who: string) => ({
      take: method(
        Type.Object({ n: Type.Integer() }),
        async (args) => void seen.push([who, args.n]),
      ),
    });
    const one = await serve({
      transport: pair.server,
      topic: shared,
      keyFor,
      methods: handler('one'),
    });
    const two = await serve({
      transport: pair.server2,
      topic: shared,
      keyFor,
      methods: handler('two'),
    });
    try {
      for (let n = 0; n < 40; n++) await client.cast(shared, 'take', { n }, { context });
      await until(() => seen.length >= 40, 10_000);
      assert.deepEqual(
        seen.map(([, n]) => n).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i),
        'each message handled exactly once',
      );
      assert.ok(
        seen.some(([w]) => w === 'one') && seen.some(([w]) => w === 'two'),
        'both servers took some',
      );
    } finally {
      await one.close();
      await two.close();
    }
  });
}

export function runTransportSuite(name: string, open: () => Promise<TransportPair>): void {
  test(`rpc over ${name}`, async (t) => {
    const pair = await open();
    const casts: unknown[] = [];
    const { served, listener } = await serveTestMethods(pair, casts);
    const client = new RpcClient({ transport: pair.client, key: CONTROL_KEY, defaultTimeout: 10 });
    const fixture: Fixture = { name, pair, served, client, casts };
    try {
      await callsAndCasts(t, fixture);
      await typedErrors(t, fixture);
      await deadlines(t, fixture);
      await signatures(t, fixture);
      await concurrency(t, fixture);
      await competition(t, fixture);
    } finally {
      await listener.close();
      await pair.close();
    }
  });
}
