// The transport for deployments across machines: RabbitMQ through amqplib. A durable queue per
// topic (several servers on a topic compete for its messages), confirmed persistent casts, and
// calls answered through RabbitMQ's direct reply-to.

import { randomUUID } from 'node:crypto';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Message,
} from 'amqplib';
import { RpcConnectionLost, RpcTimeout, RpcUnavailable } from '@cellar/plugin-api';
import type { Listener, MessageHandler, RequestOptions, Transport } from '../transport.js';

const REPLY_TO = 'amq.rabbitmq.reply-to';

interface Pending {
  resolve(reply: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface AmqpOptions {
  /** Unacknowledged messages a listener works on at once. */
  readonly prefetch?: number;
}

export class AmqpTransport implements Transport {
  readonly competingConsumers = true;
  readonly #pending = new Map<string, Pending>();
  readonly #declared = new Set<string>();
  readonly #listeners = new Set<Listener>();
  #closing = false;
  #lost?: Error;
  readonly #onLost: ((error: Error) => void)[] = [];

  private constructor(
    private readonly model: ChannelModel,
    private readonly casts: ConfirmChannel,
    private readonly calls: Channel,
    private readonly options: AmqpOptions,
  ) {}

  static async connect(url: string, options: AmqpOptions = {}): Promise<AmqpTransport> {
    // noDelay: with Nagle on, every call waits ~40 ms for a delayed ACK.
    const model = await connect(url, { noDelay: true });
    const casts = await model.createConfirmChannel();
    const calls = await model.createChannel();
    const transport = new AmqpTransport(model, casts, calls, options);
    await calls.consume(REPLY_TO, (msg) => transport.#onReply(msg), { noAck: true });
    calls.on('return', (msg: Message) => transport.#onReturned(msg));
    model.on('error', () => undefined);
    model.on('close', (error?: Error) => transport.#connectionClosed(error));
    return transport;
  }

  /**
   * The broker connection went away without close(): nothing this transport holds works any
   * more, so waiting calls fail now rather than at their timeout, and the owner is told.
   */
  #connectionClosed(error?: Error): void {
    if (this.#closing) return;
    this.#lost = new RpcConnectionLost(
      { reason: error?.message ?? 'closed without a reason' },
      { cause: error },
    );
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(this.#lost);
      this.#pending.delete(id);
    }
    for (const notify of this.#onLost) notify(this.#lost);
  }

  /** Called once if the broker connection is lost; a service stops so its supervisor restarts it. */
  onConnectionLost(listener: (error: Error) => void): void {
    this.#onLost.push(listener);
  }

  #onReply(msg: ConsumeMessage | null): void {
    const id = msg?.properties.correlationId as string | undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!msg || !pending || id === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(msg.content);
  }

  #onReturned(msg: Message): void {
    const id = msg.properties.correlationId as string | undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending || id === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(
      new RpcUnavailable({
        topic: msg.fields.routingKey,
        reason: 'no queue exists for it; its server has never started',
      }),
    );
  }

  async #declare(channel: Channel, topic: string): Promise<void> {
    if (this.#declared.has(topic)) return;
    await channel.assertQueue(topic, { durable: true });
    this.#declared.add(topic);
  }

  async listen(topic: string, handler: MessageHandler): Promise<Listener> {
    const channel = await this.model.createChannel();
    await channel.assertQueue(topic, { durable: true });
    await channel.prefetch(this.options.prefetch ?? 16);
    const inFlight = new Set<Promise<void>>();
    const { consumerTag } = await channel.consume(topic, (msg) => {
      if (!msg) return;
      const work = handler(msg.content)
        .then((reply) => {
          const replyTo = msg.properties.replyTo as string | undefined;
          if (reply && replyTo)
            channel.sendToQueue(replyTo, reply, {
              correlationId: msg.properties.correlationId as string,
            });
          channel.ack(msg);
        })
        .catch(() => {
          try {
            channel.nack(msg, false, false);
          } catch {
            // The channel is gone; the broker redelivers what was not acknowledged.
          }
        })
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
    const listener: Listener = {
      close: async () => {
        this.#listeners.delete(listener);
        // With the connection gone there is nothing to cancel or close.
        if (this.#lost) return;
        await channel.cancel(consumerTag);
        // Finish what was taken, so its replies and acknowledgements go out before the channel closes.
        await Promise.allSettled([...inFlight]);
        await channel.close();
      },
    };
    this.#listeners.add(listener);
    return listener;
  }

  request(topic: string, message: Buffer, options: RequestOptions): Promise<Buffer> {
    if (this.#lost) return Promise.reject(this.#lost);
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcTimeout({ method: options.method, topic, seconds: options.timeoutSeconds }));
      }, options.timeoutSeconds * 1000);
      this.#pending.set(id, { resolve, reject, timer });
      // mandatory: a topic without a queue comes back at once instead of timing out; the
      // expiration drops a call nobody picked up in time rather than running it late.
      this.calls.publish('', topic, message, {
        replyTo: REPLY_TO,
        correlationId: id,
        mandatory: true,
        expiration: String(Math.ceil(options.timeoutSeconds * 1000)),
      });
    });
  }

  async send(topic: string, message: Buffer): Promise<void> {
    if (this.#lost) throw this.#lost;
    // A cast outlives a server that is down: the queue is durable and the message persistent.
    await this.#declare(this.casts, topic);
    await new Promise<void>((resolve, reject) => {
      this.casts.sendToQueue(topic, message, { persistent: true }, (error: unknown) =>
        error
          ? reject(
              new RpcUnavailable(
                { topic, reason: 'the broker did not accept the message' },
                { cause: error },
              ),
            )
          : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#lost) return;
    for (const listener of [...this.#listeners]) await listener.close();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RpcUnavailable({ topic: id, reason: 'the transport was closed' }));
    }
    this.#pending.clear();
    await this.model.close();
  }
}
