// The console's session: the token in an HttpOnly, SameSite=Strict cookie (Secure over TLS), and
// the checks that keep another site from making a signed-in browser change anything.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parse, serialize } from 'cookie';
import { CrossSiteRefused } from '@cellar/plugin-api';

/** The cookie holding the token: never readable by scripts. */
export const SESSION_COOKIE = 'cellar_session';
/** The cookie the console's script reads and echoes in X-Cellar-CSRF (a double submit). */
export const CSRF_COOKIE = 'cellar_csrf';
export const CSRF_HEADER = 'x-cellar-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The anti-forgery value of a session: derived from its token, so another site can neither read
 * it nor make one up that the server would accept (a double submit bound to the session).
 */
export const csrfOf = (token: string): string =>
  createHash('sha256').update(`cellar-csrf:${token}`).digest('base64url');

/** The session token a request's cookie carries, if any. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  const token = parse(header)[SESSION_COOKIE];
  return token === undefined || token === '' ? undefined : token;
}

/**
 * Whether browsers reach Cellar over TLS: the request came over it, or the public endpoint
 * (`[DEFAULT] public_endpoint`, where a TLS proxy in front serves the API) is https.
 */
export const overTls = (request: Pick<FastifyRequest, 'protocol'>, publicEndpoint?: string) =>
  request.protocol === 'https' || publicEndpoint?.startsWith('https:') === true;

/** The Set-Cookie values that start a session ending at `expiresAt`; Secure when over TLS. */
export function sessionCookies(token: string, expiresAt: string, secure: boolean): string[] {
  const common = { path: '/', sameSite: 'strict' as const, secure, expires: new Date(expiresAt) };
  return [
    serialize(SESSION_COOKIE, token, { ...common, httpOnly: true }),
    serialize(CSRF_COOKIE, csrfOf(token), common),
  ];
}

/** The Set-Cookie values that end a session. */
export function endedCookies(secure: boolean): string[] {
  const common = { path: '/', sameSite: 'strict' as const, secure, maxAge: 0 };
  return [
    serialize(SESSION_COOKIE, '', { ...common, httpOnly: true }),
    serialize(CSRF_COOKIE, '', common),
  ];
}

/** The host:port an Origin header names; undefined for `null` and anything unreadable. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a state-changing request that another site may have made: the browser's own
 * Sec-Fetch-Site and Origin must say it came from this origin. Requests that only read pass.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new CrossSiteRefused({ reason: `the browser says it came from a ${site} page` });
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (hostOf(origin) !== request.headers.host)
    throw new CrossSiteRefused({
      reason: `it came from ${origin}, not from the console at ${request.headers.host ?? '?'}`,
    });
}

/**
 * Checks a state-changing request authenticated by the session cookie: from this origin, and
 * carrying the session's anti-forgery value in X-Cellar-CSRF, which no other site can read.
 */
export function checkCookieRequest(request: FastifyRequest, token: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  refuseCrossSite(request);
  const sent = request.headers[CSRF_HEADER];
  const want = Buffer.from(csrfOf(token));
  if (typeof sent !== 'string' || sent === '')
    throw new CrossSiteRefused({ reason: `it has no ${CSRF_HEADER} header` });
  const got = Buffer.from(sent);
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw new CrossSiteRefused({
      reason: `its ${CSRF_HEADER} header is not the value of the ${CSRF_COOKIE} cookie`,
    });
}
