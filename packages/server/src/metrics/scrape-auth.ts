// Who may read GET /metrics: an admin. The exposition names every project's instances, and the
// API may listen on a public address, so it is not left open. Prometheus sends a bearer token
// (`authorization: {credentials_file: ...}` in its scrape configuration), other clients may send
// X-Auth-Token; either may be `[identity] admin_token`, which does not expire, or an admin's token.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Forbidden, Unauthorized } from '@cellar/plugin-api';
import type { TokenValidator } from '../identity/keystone.js';
import { isAdmin } from '../policy/admin-context.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The token a scraper sent: X-Auth-Token, or the bearer token of Authorization. */
function sentToken(headers: IncomingHttpHeaders): string | undefined {
  const token = headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') return token;
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

export class ScrapeAuth {
  /** The configured admin token's digest, compared in constant time. */
  readonly #adminDigest: Buffer | undefined;

  constructor(
    private readonly tokens: TokenValidator,
    adminToken: string | undefined,
  ) {
    this.#adminDigest = adminToken === undefined ? undefined : digest(adminToken);
  }

  /** Resolves for an admin; a 401 without a valid token, a 403 for a token without the role. */
  async check(headers: IncomingHttpHeaders): Promise<void> {
    const token = sentToken(headers);
    if (token === undefined)
      throw new Unauthorized({
        reason: 'no X-Auth-Token or "Authorization: Bearer" header; /metrics needs an admin token',
      });
    if (this.#adminDigest !== undefined && timingSafeEqual(digest(token), this.#adminDigest))
      return;
    const info = await this.tokens.validate(token);
    if (!isAdmin(info)) throw new Forbidden({ action: 'metrics:scrape' });
  }
}
