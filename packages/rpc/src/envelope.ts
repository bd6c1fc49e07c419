// The versioned message every RPC carries, and its wire form: `<hmac-sha256 hex>.<json>`. The
// signature covers the exact JSON bytes, so a receiver verifies before it trusts a single field.

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The envelope version this code writes; receivers accept this major only. */
export const ENVELOPE_VERSION = 1;

export const requestContextSchema = Type.Object({
  requestId: Type.String(),
  projectId: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.String())),
  isAdmin: Type.Optional(Type.Boolean()),
});

/** Who asked, carried with every message so the receiver can act and log on the user's behalf. */
export type RequestContext = Static<typeof requestContextSchema>;

const wireErrorSchema = Type.Object({
  code: Type.String(),
  status: Type.Integer(),
  fault: Type.String(),
  message: Type.String(),
  details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  cause: Type.Optional(Type.Unknown()),
});

export const requestSchema = Type.Object({
  v: Type.Literal(ENVELOPE_VERSION),
  id: Type.String(),
  kind: Type.Union([Type.Literal('call'), Type.Literal('cast')]),
  topic: Type.String(),
  method: Type.String(),
  args: Type.Unknown(),
  context: requestContextSchema,
  /** Seconds since the epoch when sent; receivers use it to drop stale messages. */
  sent: Type.Number(),
  /** The instance a guest speaks for; the receiver verifies with that instance's key. */
  instance: Type.Optional(Type.String()),
});

export type RequestEnvelope = Static<typeof requestSchema>;

export const replySchema = Type.Object({
  v: Type.Literal(ENVELOPE_VERSION),
  id: Type.String(),
  ok: Type.Boolean(),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(wireErrorSchema),
});

export type ReplyEnvelope = Static<typeof replySchema>;

export const checkRequest = TypeCompiler.Compile(requestSchema);
export const checkReply = TypeCompiler.Compile(replySchema);

export function newRequest(fields: Omit<RequestEnvelope, 'v' | 'id' | 'sent'>): RequestEnvelope {
  return { v: ENVELOPE_VERSION, id: randomUUID(), sent: Date.now() / 1000, ...fields };
}

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export function seal(key: string, envelope: object): Buffer {
  const body = JSON.stringify(envelope);
  return Buffer.from(`${mac(key, body).toString('hex')}.${body}`);
}

export type Opened =
  | { readonly ok: true; readonly body: unknown; readonly verify: (key: string) => boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Splits a wire message. The body is parsed but not yet trusted: the receiver picks the key (for a
 * guest's message, by the instance it claims) and calls verify() before acting on anything.
 */
export function open(wire: Buffer): Opened {
  const text = wire.toString('utf8');
  const dot = text.indexOf('.');
  if (dot !== 64) return { ok: false, reason: 'the message is not signed' };
  const signature = Buffer.from(text.slice(0, dot), 'hex');
  const body = text.slice(dot + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the message body is not JSON' };
  }
  return {
    ok: true,
    body: parsed,
    verify: (key) => signature.length === 32 && timingSafeEqual(signature, mac(key, body)),
  };
}
