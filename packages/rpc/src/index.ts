// @cellar/rpc: Trove's call/cast semantics over a signed, versioned envelope, on two transports
// behind one interface: `local` (HTTP over unix sockets, no broker) and `amqp` (RabbitMQ).

export * from './envelope.js';
export * from './rpc.js';
export * from './transport.js';
export * from './transports/amqp.js';
export * from './transports/local.js';
export * from './guest-protocol.js';
