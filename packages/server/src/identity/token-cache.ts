// Validated tokens remembered for a few seconds, never past their expiry, as keystonemiddleware
// does: the built-in identity and the Keystone validator both keep one.

import type { TokenInfo } from './identity.js';

const ENTRIES = 10_000;

export class TokenCache {
  readonly #entries = new Map<string, { info: TokenInfo; until: number }>();

  constructor(private readonly seconds: number) {}

  get(token: string): TokenInfo | undefined {
    const cached = this.#entries.get(token);
    return cached && cached.until > Date.now() ? cached.info : undefined;
  }

  set(token: string, info: TokenInfo): void {
    if (this.#entries.size >= ENTRIES) this.#entries.clear();
    this.#entries.set(token, {
      info,
      until: Math.min(Date.now() + this.seconds * 1000, Date.parse(info.expiresAt)),
    });
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}
