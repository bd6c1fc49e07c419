// Validated tokens remembered for a few seconds, never past their expiry, as keystonemiddleware
// does: the built-in identity and the Keystone validator both keep one.

import { LRUCache } from 'lru-cache';
import type { TokenInfo } from './identity.js';

/**
 * Past this many tokens the least recently used goes: memory stays bounded however many tokens
 * arrive, and the tokens in use stay cached (emptying the whole cache made every caller ask again).
 */
const ENTRIES = 10_000;

export class TokenCache {
  readonly #entries = new LRUCache<string, TokenInfo>({ max: ENTRIES });

  constructor(private readonly seconds: number) {}

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): TokenInfo | undefined {
    return this.#entries.get(token);
  }

  set(token: string, info: TokenInfo): void {
    const ttl = Math.floor(Math.min(this.seconds * 1000, Date.parse(info.expiresAt) - Date.now()));
    if (ttl >= 1) this.#entries.set(token, info, { ttl });
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}
