// Authentication for the Trove API: every /v1.0/{tenant_id} route needs an X-Auth-Token whose
// project is that tenant (403 otherwise); the token's scope and roles become the request's context.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthorized, WrongProject } from '@cellar/plugin-api';
import type { TokenInfo } from '../identity/identity.js';
import { scopeOf, type ProjectScope } from '../policy/admin-context.js';
import type { TokenValidator } from '../identity/keystone.js';
import { checkCookieRequest, sessionToken } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: TokenInfo;
  }
}

/** The authenticated caller of a request that passed the auth hook. */
export function caller(request: FastifyRequest): TokenInfo {
  if (!request.auth) throw new Unauthorized({ reason: 'no X-Auth-Token header' });
  return request.auth;
}

/**
 * The projects the caller of a request reaches when it names a resource by id: its own, or every
 * project for an admin (undefined), as Trove's admin context does. Lists stay the path's project.
 */
export function projectScope(request: FastifyRequest): ProjectScope {
  return scopeOf(caller(request));
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export function installAuth(
  app: FastifyInstance,
  tokens: TokenValidator,
  adminToken?: string,
): void {
  // Compared as digests, in constant time; the configured token's is computed once.
  const adminDigest = adminToken === undefined ? undefined : digest(adminToken);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1.0/')) return;
    const header = request.headers['x-auth-token'];
    // The console's session cookie stands for the header; what it asks to change must come from
    // the console itself (session-cookie.ts).
    const cookie = typeof header === 'string' && header !== '' ? undefined : sessionToken(request);
    if (cookie !== undefined) checkCookieRequest(request, cookie);
    const token = cookie ?? header;
    if (typeof token !== 'string' || token === '')
      throw new Unauthorized({ reason: 'no X-Auth-Token header' });
    const tenant = request.url.split('/')[2]?.split('?')[0] ?? '';
    if (adminDigest !== undefined && timingSafeEqual(digest(token), adminDigest)) {
      // Keystone's old ADMIN_TOKEN: an admin of whichever project the path names.
      const at = new Date().toISOString();
      request.auth = {
        userId: 'admin_token',
        userName: 'admin_token',
        projectId: tenant,
        projectName: tenant,
        roles: ['admin'],
        issuedAt: at,
        expiresAt: at,
      };
      return;
    }
    request.auth = await tokens.validate(token);
    if (tenant !== request.auth.projectId)
      throw new WrongProject({ tokenProject: request.auth.projectId, pathProject: tenant });
  });
}
