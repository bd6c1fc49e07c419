// The wire form of errors for RPC and files, and the Trove fault body for HTTP.
// An error crossing a process boundary comes back as the same catalog class with code and details.

import { inspect } from 'node:util';
import { CellarError, isCellarError } from './cellar-error.js';
import { errorCatalog, InternalError } from './catalog.js';

export interface WireError {
  readonly code: string;
  readonly status: number;
  readonly fault: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string | number>>;
  readonly cause?: WireError | { readonly name: string; readonly message: string };
}

const byCode = new Map<string, (typeof errorCatalog)[number]>(
  errorCatalog.map((cls) => [cls.code, cls]),
);

/** Any thrown value as a CellarError; foreign errors become InternalError with the original as cause. */
export function asCellarError(error: unknown): CellarError {
  if (isCellarError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new InternalError({ reason }, { cause: error });
}

export function toWire(error: unknown): WireError {
  const e = asCellarError(error);
  const wire: WireError = {
    code: e.code,
    status: e.status,
    fault: e.fault,
    message: e.message,
    details: e.details,
  };
  if (e.cause === undefined) return wire;
  const cause = isCellarError(e.cause)
    ? toWire(e.cause)
    : e.cause instanceof Error
      ? { name: e.cause.name, message: e.cause.message }
      : { name: 'Error', message: typeof e.cause === 'string' ? e.cause : inspect(e.cause) };
  return { ...wire, cause };
}

function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

export function fromWire(wire: WireError): CellarError {
  const cause =
    wire.cause === undefined
      ? undefined
      : isWireError(wire.cause)
        ? fromWire(wire.cause)
        : Object.assign(new Error(wire.cause.message), { name: wire.cause.name });
  const cls = byCode.get(wire.code);
  const spec = cls?.spec ?? { code: wire.code, status: wire.status, fault: wire.fault };
  // The message is kept as sent, so a peer with a newer template still reads what was meant.
  const error = new CellarError(
    spec,
    wire.message,
    wire.details,
    cause === undefined ? undefined : { cause },
  );
  error.name = cls?.name ?? 'CellarError';
  return error;
}

/** Trove's error body: `{"<faultName>": {"code": <status>, "message": "..."}}`. */
export function toFaultBody(error: CellarError): Record<string, { code: number; message: string }> {
  return { [error.fault]: { code: error.status, message: error.message } };
}
