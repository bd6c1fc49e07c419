// Who may read GET /metrics: an admin, or whoever holds `[DEFAULT] metrics_token`. The exposition
// names every project's instances, and the API may listen on a public address, so it is not left
// open. Prometheus sends a bearer token (`authorization: {credentials_file: ...}` in its scrape
// configuration), other clients may send X-Auth-Token; metrics_token does not expire and grants
// nothing else, where an admin's token from the identity service expires and grants everything.

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
  /** The configured static tokens' digests, compared in constant time. */
  readonly #staticDigests: readonly Buffer[];

  constructor(
    private readonly tokens: TokenValidator,
    /** `[identity] admin_token` and `[DEFAULT] metrics_token`, those that are set. */
    staticTokens: readonly (string | undefined)[],
  ) {
    this.#staticDigests = staticTokens.flatMap((token) =>
      token === undefined ? [] : [digest(token)],
    );
  }

  /**
   * Resolves for a static token or an admin's; a 401 without a valid token, a 403 for a token
   * without the admin role.
   */
  async check(headers: IncomingHttpHeaders): Promise<void> {
    const token = sentToken(headers);
    if (token === undefined)
      throw new Unauthorized({
        reason: 'no X-Auth-Token or "Authorization: Bearer" header; /metrics needs an admin token',
      });
    const sent = digest(token);
    if (this.#staticDigests.some((known) => timingSafeEqual(sent, known))) return;
    const info = await this.tokens.validate(token);
    if (!isAdmin(info)) throw new Forbidden({ action: 'metrics:scrape' });
  }
}
