// bench/rpc: the latency of one RPC call over each transport, beside the bare round trip the
// transport is built on (HTTP over a unix socket; amqplib with direct reply-to), measured
// interleaved in one run. Prints medians, p99s and the ratios; exits 1 if a ratio exceeds 2.

import { randomUUID } from 'node:crypto';
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

async function main(): Promise<number> {
  const broker = await startRabbitMq();
  const dir = await mkdtemp(join(tmpdir(), 'cellar-bench-rpc-'));
  const localClient = new LocalTransport(dir);
  const localServer = new LocalTransport(dir);
  const amqpClient = await AmqpTransport.connect(broker.url);
  const amqpServer = await AmqpTransport.connect(broker.url);
  const bareHttp = await bareUnixHttp(dir);
  const bareRabbit = await bareAmqp(broker.url);
  const local = await cellarCall(
    new RpcClient({ transport: localClient, key: KEY }),
    localServer,
    'bench.local',
  );
  const amqp = await cellarCall(
    new RpcClient({ transport: amqpClient, key: KEY }),
    amqpServer,
    `bench.amqp.${randomUUID()}`,
  );
  try {
    const cases: [string, Call][] = [
      ['bare HTTP over a unix socket', bareHttp.call],
      ['cellar rpc, local transport', local.call],
      ['bare amqplib (direct reply-to)', bareRabbit.call],
      ['cellar rpc, amqp transport', amqp.call],
    ];
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
    const ratio = (ours: number, bare: number): number =>
      quantile(samples[ours] ?? [], 0.5) / quantile(samples[bare] ?? [], 0.5);
    const localRatio = ratio(1, 0);
    const amqpRatio = ratio(3, 2);
    console.log(
      `local transport / bare unix-socket HTTP: ${localRatio.toFixed(2)}x (target <= ${target}x)`,
    );
    console.log(
      `amqp transport / bare amqplib:          ${amqpRatio.toFixed(2)}x (target <= ${target}x)`,
    );
    return localRatio <= target && amqpRatio <= target ? 0 : 1;
  } finally {
    await local.listener.close();
    await amqp.listener.close();
    await bareHttp.close();
    await bareRabbit.close();
    await localClient.close();
    await localServer.close();
    await amqpClient.close();
    await amqpServer.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
