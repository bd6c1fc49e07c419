// call and cast on top of any transport: requests are sealed with the sender's key, checked
// against the envelope schema and the receiver's key, dispatched to typed handlers, and errors
// come back as the same catalog errors with code and details.

import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  asCellarError,
  fromWire,
  RpcBadArguments,
  RpcNoSuchMethod,
  RpcRejected,
  toWire,
  type WireError,
} from '@cellar/plugin-api';
import {
  checkReply,
  checkRequest,
  ENVELOPE_VERSION,
  newRequest,
  open,
  seal,
  type ReplyEnvelope,
  type RequestContext,
  type RequestEnvelope,
} from './envelope.js';
import type { Listener, Transport } from './transport.js';

/** Seals refusals of messages whose signature failed: the receiver cannot use the sender's key. */
const REJECTION_KEY = 'cellar-rpc-rejection';

export interface CallOptions {
  readonly context: RequestContext;
  /** Seconds; the default is the client's. */
  readonly timeout?: number;
}

export interface ClientOptions {
  readonly transport: Transport;
  /** The key this client signs with: the control plane's, or an instance's. */
  readonly key: string;
  /** Set by a guest: the instance it speaks for, so receivers verify with that instance's key. */
  readonly instance?: string;
  /** Verifies replies; defaults to the signing key. */
  readonly replyKey?: string;
  readonly defaultTimeout?: number;
}

export class RpcClient {
  constructor(private readonly options: ClientOptions) {}

  async call<T = unknown>(
    topic: string,
    method: string,
    args: unknown,
    options: CallOptions,
  ): Promise<T> {
    const request = newRequest({
      kind: 'call',
      topic,
      method,
      args,
      context: options.context,
      ...this.#instance(),
    });
    const timeoutSeconds = options.timeout ?? this.options.defaultTimeout ?? 60;
    const wire = await this.options.transport.request(topic, seal(this.options.key, request), {
      timeoutSeconds,
      method,
    });
    const reply = this.#openReply(topic, request, wire);
    if (reply.ok) return reply.result as T;
    throw fromWire(
      (reply.error as WireError | undefined) ??
        toWire(new RpcRejected({ topic, reason: 'an error reply without an error' })),
    );
  }

  async cast(topic: string, method: string, args: unknown, options: CallOptions): Promise<void> {
    const request = newRequest({
      kind: 'cast',
      topic,
      method,
      args,
      context: options.context,
      ...this.#instance(),
    });
    await this.options.transport.send(topic, seal(this.options.key, request));
  }

  #instance(): { instance?: string } {
    return this.options.instance === undefined ? {} : { instance: this.options.instance };
  }

  #openReply(topic: string, request: RequestEnvelope, wire: Buffer): ReplyEnvelope {
    const opened = open(wire);
    if (!opened.ok) throw new RpcRejected({ topic: `reply from ${topic}`, reason: opened.reason });
    if (!opened.verify(this.options.replyKey ?? this.options.key)) {
      if (opened.verify(REJECTION_KEY))
        throw new RpcRejected({
          topic,
          reason: 'the message is not signed with the key it expects',
        });
      throw new RpcRejected({
        topic: `reply from ${topic}`,
        reason: 'the reply is not signed with the expected key',
      });
    }
    if (!checkReply.Check(opened.body) || opened.body.id !== request.id) {
      throw new RpcRejected({
        topic: `reply from ${topic}`,
        reason: 'the reply does not match the request',
      });
    }
    return opened.body;
  }
}

/** One method a server offers: its argument schema (checked before the handler runs) and handler. */
export interface Method<S extends TSchema = TSchema> {
  readonly args: S;
  readonly handle: (args: Static<S>, request: RequestEnvelope) => Promise<unknown>;
}

/** Any method, whatever its argument type: what a server's method table holds. */
export interface AnyMethod {
  readonly args: TSchema;
  readonly handle: (args: never, request: RequestEnvelope) => Promise<unknown>;
}

export function method<S extends TSchema>(
  args: S,
  handle: (args: Static<S>, request: RequestEnvelope) => Promise<unknown>,
): Method<S> {
  return { args, handle };
}

export interface ServeOptions {
  readonly transport: Transport;
  readonly topic: string;
  /**
   * The key a request must be signed with, chosen from the (not yet trusted) envelope: the control
   * plane's key, or the key of the instance the message claims to come from. Undefined refuses it.
   */
  readonly keyFor: (request: RequestEnvelope) => string | undefined | Promise<string | undefined>;
  readonly methods: Readonly<Record<string, AnyMethod>>;
  /** Called for every refused or failed message, since a cast has nobody to tell. */
  readonly onError?: (error: unknown, request?: RequestEnvelope) => void;
}

/** Serves a topic: every message is verified, its arguments checked, then handled. */
export async function serve(options: ServeOptions): Promise<Listener> {
  const { topic } = options;
  const checks = new Map<string, TypeCheck<TSchema>>(
    Object.entries(options.methods).map(([name, m]) => [name, TypeCompiler.Compile(m.args)]),
  );
  const replyTo = (
    request: RequestEnvelope | undefined,
    key: string | undefined,
    reply: Omit<ReplyEnvelope, 'v' | 'id'>,
  ): Buffer | undefined =>
    request?.kind === 'call' && key !== undefined
      ? seal(key, { v: ENVELOPE_VERSION, id: request.id, ...reply })
      : undefined;

  return options.transport.listen(topic, async (wire) => {
    const opened = open(wire);
    if (!opened.ok || !checkRequest.Check(opened.body)) {
      options.onError?.(
        new RpcRejected({ topic, reason: opened.ok ? 'not a request envelope' : opened.reason }),
      );
      return undefined;
    }
    const request = opened.body;
    const key = await options.keyFor(request);
    if (key === undefined || !opened.verify(key)) {
      // The caller hears at once that it was refused, rather than waiting for a timeout; the
      // refusal is sealed with the public rejection key and says nothing about the server.
      const error = new RpcRejected({
        topic,
        reason: request.instance
          ? `not signed with the key of instance ${request.instance}`
          : 'not signed with the expected key',
      });
      options.onError?.(error, request);
      return replyTo(request, REJECTION_KEY, { ok: false, error: toWire(error) });
    }
    try {
      const m = options.methods[request.method];
      const check = checks.get(request.method);
      if (!m || !check) throw new RpcNoSuchMethod({ topic, method: request.method });
      if (!check.Check(request.args)) {
        const problems = [...check.Errors(request.args)]
          .slice(0, 5)
          .map((e) => `${e.path || '/'}: ${e.message}`);
        throw new RpcBadArguments({ method: request.method, problems: problems.join('; ') });
      }
      // The compiled check above has just proved the arguments match the method's schema.
      const result = await m.handle(request.args as never, request);
      return replyTo(request, key, { ok: true, result: result ?? null });
    } catch (error) {
      options.onError?.(error, request);
      return replyTo(request, key, { ok: false, error: toWire(asCellarError(error)) });
    }
  });
}
