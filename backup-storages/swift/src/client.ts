// Requests to Swift with Cellar's token: authenticates on first use, once more when the token has
// expired, and turns Swift's answers into the catalog's storage errors (never with a credential).

import { request, type Dispatcher } from 'undici';
import {
  BackupObjectNotFound,
  BackupStorageFailed,
  BackupStorageRefused,
} from '@cellar/plugin-api';
import { authenticate, type SwiftAuthOptions, type SwiftSession } from './auth.js';

export interface SwiftRequest {
  readonly method: Dispatcher.HttpMethod;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer, so a request refused for an expired token can be sent again. */
  readonly body?: Buffer | string;
  readonly signal?: AbortSignal;
}

export type SwiftResponse = Dispatcher.ResponseData;

export class SwiftClient {
  readonly #auth: SwiftAuthOptions;
  #session: Promise<SwiftSession> | undefined;

  constructor(auth: SwiftAuthOptions) {
    this.#auth = auth;
  }

  session(): Promise<SwiftSession> {
    this.#session ??= authenticate(this.#auth).catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  async #send(req: SwiftRequest, session: SwiftSession): Promise<SwiftResponse> {
    const timeout = AbortSignal.timeout(this.#auth.timeout * 1000);
    try {
      return await request(req.url, {
        method: req.method,
        headers: { ...req.headers, 'x-auth-token': session.token },
        body: req.body ?? null,
        signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
      });
    } catch (error) {
      // The caller's own abort stays what it is; an unreachable Swift is named as the storage.
      if (req.signal?.aborted) throw error;
      const code = (error as { code?: unknown } | undefined)?.code;
      const reason =
        typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
      throw new BackupStorageFailed(
        { storage: 'swift', operation: 'reach', object: req.url, reason },
        { cause: error },
      );
    }
  }

  /** Sends a request; the caller reads or dumps the body of what comes back. */
  async send(req: SwiftRequest): Promise<SwiftResponse> {
    const session = await this.session();
    const response = await this.#send(req, session);
    if (response.statusCode !== 401) return response;
    await response.body.dump();
    this.#session = undefined;
    return this.#send(req, await this.session());
  }

  /** An answer that is not success, as the error a caller sees; consumes the body. */
  async failure(response: SwiftResponse, operation: string, object: string): Promise<Error> {
    const text = (await response.body.text().catch(() => '')).slice(0, 200).trim();
    const reason = `Swift answered ${response.statusCode}${text ? `: ${text}` : ''}`;
    if (response.statusCode === 404) return new BackupObjectNotFound({ storage: 'swift', object });
    if (response.statusCode === 401 || response.statusCode === 403)
      return new BackupStorageRefused({
        storage: 'swift',
        operation: `${operation} ${object}`,
        reason,
      });
    return new BackupStorageFailed({ storage: 'swift', operation, object, reason });
  }
}
