// The RPC transport a control-plane process speaks: local (HTTP over unix sockets) for one
// machine, amqp (RabbitMQ) across machines, where a lost broker connection ends the process.

import { AmqpTransport, CONDUCTOR_TOPIC, LocalTransport, type Transport } from '@cellar/rpc';
import { localGuestSocket } from '../drivers/compute/local/driver.js';

export interface TransportOptions {
  readonly kind: string;
  readonly amqpUrl: string | undefined;
  readonly socketDir: string;
  /** The guests' directory (`[local] guest_path`), when the local compute driver keeps guests' sockets in it. */
  readonly localGuestsIn: string | undefined;
  /** Told when the broker connection is gone: this process cannot work without it. */
  readonly onConnectionLost: (error: Error) => void;
}

/**
 * The RPC transport. With the local transport and the local compute driver, a guest's socket lives
 * in its instance's run directory, and the conductor's is open to the guest user.
 */
export async function openTransport(o: TransportOptions): Promise<Transport> {
  if (o.kind === 'local') {
    const guestsIn = o.localGuestsIn;
    if (guestsIn === undefined) return new LocalTransport(o.socketDir);
    const prefix = 'guestagent.';
    return new LocalTransport(o.socketDir, {
      socketFor: (topic) =>
        topic.startsWith(prefix)
          ? localGuestSocket(guestsIn, topic.slice(prefix.length))
          : undefined,
      openTopics: process.getuid?.() === 0 ? [CONDUCTOR_TOPIC] : [],
    });
  }
  if (o.amqpUrl === undefined)
    throw new Error(
      '[rpc] transport = amqp needs [rpc] amqp_url (amqp://user:password@host:5672/)',
    );
  const transport = await AmqpTransport.connect(o.amqpUrl);
  transport.onConnectionLost(o.onConnectionLost);
  return transport;
}
