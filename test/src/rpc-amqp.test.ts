// The RPC transport suite over a real RabbitMQ that the test starts itself on loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RpcConnectionLost } from '@cellar/plugin-api';
import { AmqpTransport } from '@cellar/rpc';
import { runTransportSuite, startRabbitMq, transportPair, type Broker } from '@cellar/rpc/testing';

let broker: Broker;
before(async () => {
  broker = await startRabbitMq();
});
after(async () => {
  await broker.stop();
});

runTransportSuite('amqp (RabbitMQ)', () => transportPair(() => AmqpTransport.connect(broker.url)));

test('a lost broker connection fails waiting calls at once and tells the owner', async () => {
  const own = await startRabbitMq();
  const client = await AmqpTransport.connect(own.url);
  const server = await AmqpTransport.connect(own.url);
  const lost: Error[] = [];
  client.onConnectionLost((error) => lost.push(error));
  await server.listen('slow-topic', () => new Promise(() => undefined));
  const started = Date.now();
  // Settled while the broker is still shutting down, so capture the outcome first.
  const outcome = client
    .request('slow-topic', Buffer.from('x'), { timeoutSeconds: 60, method: 'wait' })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  await own.stop();
  const error = await outcome;
  assert.ok(
    error instanceof RpcConnectionLost && /CONNECTION-FORCED|closed/.test(error.message),
    String(error),
  );
  assert.ok(Date.now() - started < 30_000, 'long before the 60 s timeout');
  assert.equal(lost.length, 1);
  await assert.rejects(client.send('any', Buffer.from('x')), RpcConnectionLost);
  await client.close();
  await server.close();
});
