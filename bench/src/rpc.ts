// bench/rpc: the latency of one RPC call over each transport, beside the bare round trip the
// transport is built on (HTTP over a unix socket; amqplib with direct reply-to), measured
// interleaved in one run. Prints medians, p99s and the ratios; exits 1 if a ratio exceeds 2.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from 'amqplib';
import { Type } from '@sinclair/typebox';
import {
  AmqpTransport,
  LocalTransport,
  method,
  RpcClient,
  serve,
  type Listener,
} from '@cellar/rpc';
import { startRabbitMq } from '@cellar/rpc/testing';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '5' },
    target: { type: 'string', default: '2' },
  },
});
const callsPerRound = Number(args.calls);
const rounds = Number(args.rounds);
const target = Number(args.target);
const payload = { text: 'x'.repeat(200), n: 42 };
const context = { requestId: 'bench' };
const KEY = 'bench-key';
/** Where Debian's rabbitmq-server package puts the server that startRabbitMq runs. */
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

type Call = () => Promise<unknown>;

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A bare JSON echo over HTTP on a unix socket with a keep-alive agent: the local transport's floor. */
async function bareUnixHttp(dir: string): Promise<{ call: Call; close(): Promise<void> }> {
  const path = join(dir, 'bare.sock');
  const server = createServer((req, res) => {
    void readAll(req).then((body) => res.writeHead(200).end(body));
  });
  await new Promise<void>((r) => server.listen(path, r));
  const agent = new Agent({ keepAlive: true });
  const body = Buffer.from(JSON.stringify(payload));
  const call: Call = () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: path,
          agent,
          method: 'POST',
          path: '/',
          headers: { 'content-length': body.length },
        },
        (res) => {
          readAll(res).then((b) => resolve(JSON.parse(b.toString()) as unknown), reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    call,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A bare amqplib RPC (noDelay, direct reply-to): the amqp transport's floor. */
async function bareAmqp(url: string): Promise<{ call: Call; close(): Promise<void> }> {
  const serverModel = await connect(url, { noDelay: true });
  const clientModel = await connect(url, { noDelay: true });
  const serverChannel = await serverModel.createChannel();
  const queue = `bench-bare-${randomUUID()}`;
  await serverChannel.assertQueue(queue, { durable: false, autoDelete: true });
  await serverChannel.consume(queue, (msg) => {
    if (!msg) return;
    serverChannel.sendToQueue(msg.properties.replyTo as string, msg.content, {
      correlationId: msg.properties.correlationId as string,
    });
    serverChannel.ack(msg);
  });
  const clientChannel = await clientModel.createChannel();
  const pending = new Map<string, (b: Buffer) => void>();
  await clientChannel.consume(
    'amq.rabbitmq.reply-to',
    (msg) => {
      if (msg) pending.get(msg.properties.correlationId as string)?.(msg.content);
    },
    { noAck: true },
  );
  const body = Buffer.from(JSON.stringify(payload));
  const call: Call = () =>
    new Promise((resolve) => {
      const id = randomUUID();
      pending.set(id, (b) => {
        pending.delete(id);
        resolve(JSON.parse(b.toString()) as unknown);
      });
      clientChannel.sendToQueue(queue, body, {
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId: id,
      });
    });
  return {
    call,
    close: async () => {
      await clientModel.close();
      await serverModel.close();
    },
  };
}

async function cellarCall(
  client: RpcClient,
  server: Parameters<typeof serve>[0]['transport'],
  topic: string,
): Promise<{ call: Call; listener: Listener }> {
  const listener = await serve({
    transport: server,
    topic,
    keyFor: () => KEY,
    methods: {
      echo: method(Type.Object({ text: Type.String(), n: Type.Integer() }), async (a) => a),
    },
  });
  return { call: () => client.call(topic, 'echo', payload, { context }), listener };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** One transport measured beside its floor: Cellar's call and the bare round trip it is built on. */
interface Pair {
  readonly label: string;
  readonly cases: readonly [[string, Call], [string, Call]];
  close(): Promise<void>;
}

async function localPair(dir: string): Promise<Pair> {
  const client = new LocalTransport(dir);
  const server = new LocalTransport(dir);
  const bare = await bareUnixHttp(dir);
  const ours = await cellarCall(
    new RpcClient({ transport: client, key: KEY }),
    server,
    'bench.local',
  );
  return {
    label: 'local transport / bare unix-socket HTTP:',
    cases: [
      ['bare HTTP over a unix socket', bare.call],
      ['cellar rpc, local transport', ours.call],
    ],
    close: async () => {
      await ours.listener.close();
      await bare.close();
      await client.close();
      await server.close();
    },
  };
}

/** The amqp transport on a private RabbitMQ, or undefined (saying why) where none is installed. */
async function amqpPair(): Promise<Pair | undefined> {
  if (!existsSync(RABBITMQ_SERVER)) {
    console.log(
      'RabbitMQ is not installed, so the amqp transport is not measured ' +
        '(scripts/install-debian-packages rabbitmq-server installs it).',
    );
    return undefined;
  }
  const broker = await startRabbitMq();
  const client = await AmqpTransport.connect(broker.url);
  const server = await AmqpTransport.connect(broker.url);
  const bare = await bareAmqp(broker.url);
  const ours = await cellarCall(
    new RpcClient({ transport: client, key: KEY }),
    server,
    `bench.amqp.${randomUUID()}`,
  );
  return {
    label: 'amqp transport / bare amqplib:         ',
    cases: [
      ['bare amqplib (direct reply-to)', bare.call],
      ['cellar rpc, amqp transport', ours.call],
    ],
    close: async () => {
      await ours.listener.close();
      await bare.close();
      await client.close();
      await server.close();
      await broker.stop();
    },
  };
}

/** Every case's latencies, interleaved round by round after a warm-up. */
async function measure(cases: readonly [string, Call][]): Promise<number[][]> {
  const samples = cases.map((): number[] => []);
  for (const [, call] of cases) for (let i = 0; i < 100; i++) await call();
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, call]] of cases.entries()) {
      for (let n = 0; n < callsPerRound; n++) {
        const t0 = performance.now();
        await call();
        samples[i]?.push(performance.now() - t0);
      }
    }
  }
  return samples;
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-bench-rpc-'));
  const pairs: Pair[] = [];
  try {
    pairs.push(await localPair(dir));
    const amqp = await amqpPair();
    if (amqp) pairs.push(amqp);
    const cases = pairs.flatMap((p) => p.cases);
    const samples = await measure(cases);
    console.log(
      `sequential calls, ${rounds} interleaved rounds of ${callsPerRound} each, 200-byte payload`,
    );
    console.log(`  ${'case'.padEnd(34)} ${'median ms'.padStart(10)} ${'p99 ms'.padStart(10)}`);
    cases.forEach(([label], i) => {
      const xs = samples[i] ?? [];
      console.log(
        `  ${label.padEnd(34)} ${quantile(xs, 0.5).toFixed(3).padStart(10)} ${quantile(xs, 0.99).toFixed(3).padStart(10)}`,
      );
    });
    let met = true;
    pairs.forEach((pair, k) => {
      const ratio = quantile(samples[2 * k + 1] ?? [], 0.5) / quantile(samples[2 * k] ?? [], 0.5);
      console.log(`${pair.label} ${ratio.toFixed(2)}x (target <= ${target}x)`);
      met &&= ratio <= target;
    });
    return met ? 0 : 1;
  } finally {
    for (const pair of pairs) await pair.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
