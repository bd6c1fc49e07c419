// What a transport does: move opaque, already-signed messages to a topic, and replies back.
// Signing, envelopes and errors are the RPC layer's; every transport runs the same test suite.

export type MessageHandler = (message: Buffer) => Promise<Buffer | undefined>;

export interface RequestOptions {
  readonly timeoutSeconds: number;
  /** For error messages only. */
  readonly method: string;
}

export interface Listener {
  close(): Promise<void>;
}

export interface Transport {
  /** Serves a topic. For a call the handler's result is the reply; casts get no reply. */
  listen(topic: string, handler: MessageHandler): Promise<Listener>;
  /** Sends a call and resolves with the reply, or rejects with RpcTimeout / RpcUnavailable. */
  request(topic: string, message: Buffer, options: RequestOptions): Promise<Buffer>;
  /** Sends a cast: resolves once the transport has taken responsibility for delivery. */
  send(topic: string, message: Buffer): Promise<void>;
  close(): Promise<void>;
  /** Several listeners on one topic share its messages (each delivered to one of them). */
  readonly competingConsumers: boolean;
}
