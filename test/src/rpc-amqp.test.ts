// The RPC transport suite over a real RabbitMQ that the test starts itself on loopback.
import { after, before } from 'node:test';
import { AmqpTransport } from '@cellar/rpc';
import { runTransportSuite, startRabbitMq, type Broker } from '@cellar/rpc/testing';

let broker: Broker;
before(async () => {
  broker = await startRabbitMq();
});
after(async () => {
  await broker.stop();
});

runTransportSuite('amqp (RabbitMQ)', async () => {
  const client = await AmqpTransport.connect(broker.url);
  const server = await AmqpTransport.connect(broker.url);
  const server2 = await AmqpTransport.connect(broker.url);
  return {
    client,
    server,
    server2,
    close: async () => {
      await client.close();
      await server.close();
      await server2.close();
    },
  };
});
