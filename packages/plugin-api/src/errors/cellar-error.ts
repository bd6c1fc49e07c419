// The base of every error Cellar raises, and defineError(), which declares one catalog entry
// as a class. Identity survives duplicate package copies: it rests on a global symbol and the code.

const kCellarError = Symbol.for('cellar.error');

/** Names of the `{placeholders}` in a message template. */
export type TemplateParams<M extends string> = M extends `${string}{${infer P}}${infer Rest}`
  ? P | TemplateParams<Rest>
  : never;

export type ErrorDetails<M extends string> = { readonly [K in TemplateParams<M>]: string | number };

export interface ErrorSpec<M extends string = string> {
  /** Stable, never reused: clients and logs key on it. */
  readonly code: string;
  /** The HTTP status the API answers with. */
  readonly status: number;
  /** The Trove fault key of the body; derived from the status when absent. */
  readonly fault?: string;
  /** A template whose `{name}` placeholders are filled from the details. */
  readonly message: M;
  /** One sentence for the error documentation: when this happens and what to do. */
  readonly description: string;
}

/** Trove's fault keys by HTTP status (webob class names for the rest). */
const faultByStatus: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflict',
  413: 'overLimit',
  415: 'badMediaType',
  422: 'unprocessableEntity',
  500: 'instanceFault',
  501: 'notImplemented',
  503: 'serviceUnavailable',
  504: 'gatewayTimeout',
};

export function faultNameFor(status: number): string {
  return faultByStatus[status] ?? (status >= 500 ? 'instanceFault' : 'badRequest');
}

export function renderTemplate(
  template: string,
  details: Readonly<Record<string, unknown>>,
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in details ? String(details[name]) : whole,
  );
}

export class CellarError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: string;
  readonly details: Readonly<Record<string, string | number>>;

  constructor(
    spec: Pick<ErrorSpec, 'code' | 'status' | 'fault'>,
    message: string,
    details: Readonly<Record<string, string | number>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = spec.code;
    this.status = spec.status;
    this.fault = spec.fault ?? faultNameFor(spec.status);
    this.details = Object.freeze({ ...details });
    Object.defineProperty(this, kCellarError, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isCellarError(value);
  }
}

export function isCellarError(value: unknown): value is CellarError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[kCellarError] === true
  );
}

export interface CellarErrorClass<M extends string> {
  new (
    details: ErrorDetails<M>,
    options?: { cause?: unknown },
  ): CellarError & { readonly details: ErrorDetails<M> };
  readonly code: string;
  readonly spec: ErrorSpec<M>;
  [Symbol.hasInstance](value: unknown): boolean;
}

/** Declares one catalog entry; `instanceof` on the returned class matches by code. */
export function defineError<const M extends string>(
  name: string,
  spec: ErrorSpec<M>,
): CellarErrorClass<M> {
  const cls = class extends CellarError {
    static readonly code = spec.code;
    static readonly spec = spec;
    constructor(details: ErrorDetails<M>, options?: { cause?: unknown }) {
      super(spec, renderTemplate(spec.message, details), details, options);
      this.name = name;
    }
    static override [Symbol.hasInstance](value: unknown): boolean {
      return isCellarError(value) && value.code === spec.code;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls as unknown as CellarErrorClass<M>;
}
