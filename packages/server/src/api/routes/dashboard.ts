// /dashboard/: the browser console's static files (built by scripts/setup, nothing from a CDN)
// and its session, POST/GET/DELETE /dashboard/api/session, which keeps the token in a cookie.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Type, type Static } from '@sinclair/typebox';
import { ConsoleSessions, type SessionView } from '../../identity/console-session.js';
import type { Identity, TokenInfo } from '../../identity/identity.js';
import type { TokenValidator } from '../../identity/keystone.js';
import {
  endedCookies,
  overTls,
  refuseCrossSite,
  sessionCookies,
  sessionToken,
} from '../session-cookie.js';

/** Where `npm run build -w @cellar/console` writes: beside this package, in a checkout or not. */
export const consoleFiles = fileURLToPath(new URL('../../../../console/dist/', import.meta.url));

const signInBody = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 255 })),
    password: Type.Optional(Type.String({ maxLength: 4096 })),
    project: Type.Optional(Type.String({ maxLength: 255 })),
    token: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false },
);

/**
 * Only this origin's scripts, styles and API; no framing (clickjacking), no plugins. Styles
 * allow inline attributes, which the plots set on their own elements.
 */
const CONTENT_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

function staticFiles(app: FastifyInstance): void {
  if (!existsSync(consoleFiles)) {
    app.get('/dashboard/*', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(503)
        .type('text/plain')
        .send(
          'The console is not built here: run scripts/setup (npm run build -w @cellar/console).\n',
        ),
    );
    return;
  }
  void app.register(fastifyStatic, {
    root: consoleFiles,
    prefix: '/dashboard/',
    decorateReply: false,
    // The headers below decide caching; send's own max-age=0 would override them.
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('content-security-policy', CONTENT_POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
      // Built files carry their content's hash in their name; the page that names them does not.
      res.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

async function answer(
  reply: FastifyReply,
  sessions: ConsoleSessions,
  signed: { token: string; info: TokenInfo; secure: boolean },
): Promise<SessionView> {
  const { token, info, secure } = signed;
  void reply.header('set-cookie', sessionCookies(token, info.expiresAt, secure));
  return sessions.view(info);
}

export function dashboardRoutes(
  app: FastifyInstance,
  identity: Identity,
  keystone: TokenValidator | undefined,
  publicEndpoint: string | undefined,
): void {
  const sessions = new ConsoleSessions(identity, keystone);
  staticFiles(app);
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/dashboard/'),
  );
  app.post<{ Body: Static<typeof signInBody> }>(
    '/dashboard/api/session',
    { schema: { body: signInBody, hide: true } },
    async (request, reply) => {
      // A sign-in forged by another site would put the victim in the attacker's session.
      refuseCrossSite(request);
      const current = sessionToken(request);
      const { username, password, token, project } = request.body;
      // Signed in and naming only a project: the same user switches to it.
      const switching =
        current !== undefined && username === undefined && token === undefined && !!project;
      const signed = switching
        ? await sessions.switchProject(current, project)
        : await sessions.signIn({ username, password, token, project });
      return answer(reply, sessions, { ...signed, secure: overTls(request, publicEndpoint) });
    },
  );
  app.get('/dashboard/api/session', { schema: { hide: true } }, async (request) =>
    sessions.view(await sessions.current(sessionToken(request))),
  );
  app.delete('/dashboard/api/session', { schema: { hide: true } }, async (request, reply) => {
    refuseCrossSite(request);
    await sessions.signOut(sessionToken(request));
    const secure = overTls(request, publicEndpoint);
    return reply.header('set-cookie', endedCookies(secure)).status(204).send();
  });
}
