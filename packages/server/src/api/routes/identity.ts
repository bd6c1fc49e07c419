// /identity/v3: the part of Keystone v3 OpenStack clients need to use Cellar on its own:
// version discovery, password authentication with a project scope and a service catalog whose
// `database` endpoint is this API, token validation (X-Subject-Token) and revocation.
// Errors here use Keystone's body, `{"error": {"code", "message", "title"}}`.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { isCellarError } from '@cellar/plugin-api';
import type { Identity, TokenInfo } from '../../identity/identity.js';
import { baseUrl } from '../links.js';

const named = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });
const authBody = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1 }),
      password: Type.Optional(
        Type.Object({
          user: Type.Object({
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            password: Type.String(),
            domain: Type.Optional(named),
          }),
        }),
      ),
    }),
    scope: Type.Optional(
      Type.Object({
        project: Type.Optional(
          Type.Object({
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            domain: Type.Optional(named),
          }),
        ),
      }),
    ),
  }),
});

const titles: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};
const defaultDomain = { id: 'default', name: 'Default' };

function keystoneError(reply: FastifyReply, code: number, message: string): FastifyReply {
  return reply.status(code).send({ error: { code, message, title: titles[code] ?? 'Error' } });
}

function tokenBody(info: TokenInfo, base: string): object {
  return {
    token: {
      methods: ['password'],
      user: {
        domain: defaultDomain,
        id: info.userId,
        name: info.userName,
        password_expires_at: null,
      },
      project: { domain: defaultDomain, id: info.projectId, name: info.projectName },
      is_domain: false,
      roles: info.roles.map((name) => ({ id: name, name })),
      audit_ids: [],
      issued_at: info.issuedAt,
      expires_at: info.expiresAt,
      catalog: [
        {
          type: 'database',
          name: 'cellar',
          id: 'database',
          endpoints: [
            {
              id: 'database-public',
              interface: 'public',
              region: 'RegionOne',
              region_id: 'RegionOne',
              url: `${base}/v1.0/${info.projectId}`,
            },
          ],
        },
        {
          type: 'identity',
          name: 'keystone',
          id: 'identity',
          endpoints: [
            {
              id: 'identity-public',
              interface: 'public',
              region: 'RegionOne',
              region_id: 'RegionOne',
              url: `${base}/identity/v3`,
            },
          ],
        },
      ],
    },
  };
}

function versionOf(base: string): object {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/identity/v3/` }],
    'media-types': [
      { base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' },
    ],
  };
}

/** Keystone's error body for everything under /identity, validation failures included. */
function keystoneErrors(
  error: Error & { validation?: unknown; statusCode?: number },
  _request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isCellarError(error)) return keystoneError(reply, error.status, error.message);
  if (error.validation)
    return keystoneError(reply, 400, `Invalid input for field: ${error.message}`);
  return keystoneError(reply, error.statusCode ?? 500, error.message);
}

/** Version discovery: the version list and v3 itself, with and without the trailing slash. */
function versionRoutes(scope: FastifyInstance, publicEndpoint: string | undefined): void {
  scope.get('/identity', { schema: { hide: true } }, async (request) => ({
    versions: { values: [versionOf(baseUrl(request, publicEndpoint))] },
  }));
  scope.get('/identity/v3', { schema: { hide: true } }, async (request) => ({
    version: versionOf(baseUrl(request, publicEndpoint)),
  }));
  scope.get('/identity/v3/', { schema: { hide: true } }, async (request) => ({
    version: versionOf(baseUrl(request, publicEndpoint)),
  }));
}

/** POST /identity/v3/auth/tokens: password authentication, scoped to a project when asked. */
function issueTokenRoute(
  scope: FastifyInstance,
  identity: Identity,
  publicEndpoint: string | undefined,
): void {
  scope.post<{ Body: Static<typeof authBody> }>(
    '/identity/v3/auth/tokens',
    { schema: { body: authBody, hide: true } },
    async (request, reply) => {
      const { identity: id, scope: wanted } = request.body.auth;
      const user = id.password?.user;
      if (!id.methods.includes('password') || !user)
        return keystoneError(reply, 401, 'Only password authentication is supported here.');
      if (user.name === undefined)
        return keystoneError(
          reply,
          400,
          'Authenticate by user name: auth.identity.password.user.name.',
        );
      const issued = await identity.authenticate(user.name, user.password, wanted?.project ?? {});
      return reply
        .status(201)
        .header('x-subject-token', issued.token)
        .send(tokenBody(issued, baseUrl(request, publicEndpoint)));
    },
  );
}

/** GET /identity/v3/auth/tokens: what the X-Subject-Token stands for. */
function validateTokenRoute(
  scope: FastifyInstance,
  identity: Identity,
  publicEndpoint: string | undefined,
): void {
  scope.get('/identity/v3/auth/tokens', { schema: { hide: true } }, async (request, reply) => {
    const own = request.headers['x-auth-token'];
    const subject = request.headers['x-subject-token'];
    if (typeof own !== 'string')
      return keystoneError(reply, 401, 'The request you have made requires authentication.');
    const viewer = await identity.validate(own);
    if (typeof subject !== 'string')
      return keystoneError(reply, 400, 'X-Subject-Token is required.');
    // Anyone may validate their own token; validating others' needs the admin role.
    if (subject !== own && !viewer.roles.includes('admin'))
      return keystoneError(reply, 403, "Validating another user's token needs the admin role.");
    try {
      const info = await identity.validate(subject);
      return reply
        .header('x-subject-token', subject)
        .send(tokenBody(info, baseUrl(request, publicEndpoint)));
    } catch (error) {
      if (isCellarError(error))
        return keystoneError(reply, 404, `Could not find token: ${error.message}`);
      throw error;
    }
  });
}

/** DELETE /identity/v3/auth/tokens: revokes one's own token, or anyone's with the admin role. */
function revokeTokenRoute(scope: FastifyInstance, identity: Identity): void {
  scope.delete('/identity/v3/auth/tokens', { schema: { hide: true } }, async (request, reply) => {
    const own = request.headers['x-auth-token'];
    const subject = request.headers['x-subject-token'];
    if (typeof own !== 'string' || typeof subject !== 'string')
      return keystoneError(reply, 400, 'X-Auth-Token and X-Subject-Token are required.');
    const viewer = await identity.validate(own);
    if (subject !== own && !viewer.roles.includes('admin'))
      return keystoneError(reply, 403, "Revoking another user's token needs the admin role.");
    await identity.revoke(subject);
    return reply.status(204).send();
  });
}

export function identityRoutes(
  app: FastifyInstance,
  identity: Identity,
  publicEndpoint: string | undefined,
): void {
  app.register(async (scope) => {
    scope.setErrorHandler(keystoneErrors);
    versionRoutes(scope, publicEndpoint);
    issueTokenRoute(scope, identity, publicEndpoint);
    validateTokenRoute(scope, identity, publicEndpoint);
    revokeTokenRoute(scope, identity);
  });
}
