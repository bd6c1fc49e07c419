// An instance's guest logs over HTTP, as Trove's /instances/{id}/log (list; one log's enable,
// disable, publish, discard or show), and Cellar's read of a published log, `GET
// /instances/{id}/log/{name}` (text/plain, `?lines=N` for the last lines). Each route is its
// schema and one call into guest-logs/.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actOnGuestLog, listGuestLogs } from '../../guest-logs/guest-logs.js';
import { readPublishedLog } from '../../guest-logs/published-log.js';
import type { InstanceDeps } from '../../instances/deps.js';
import { caller, projectScope } from '../auth.js';
import { idParams } from './params.js';

const tags = ['guest logs'];
const flag = Type.Union([Type.Boolean(), Type.Literal(0), Type.Literal(1)]);
const actionBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    enable: Type.Optional(flag),
    disable: Type.Optional(flag),
    publish: Type.Optional(flag),
    discard: Type.Optional(flag),
  },
  { additionalProperties: false },
);
const logParams = Type.Object({ ...idParams.properties, name: Type.String() });
const readQuery = Type.Object(
  { lines: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })) },
  { additionalProperties: false },
);

/** The instance a route's path names, within the caller's reach (every project for an admin). */
const ref = (request: FastifyRequest, params: { id: string }) => ({
  tenant: projectScope(request),
  id: params.id,
});

export function guestLogRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1.0/:tenant_id/instances/:id/log';
  app.get(
    base,
    { schema: { tags, params: idParams, summary: "List an instance's logs" } },
    async (request) => ({
      logs: await listGuestLogs(deps, caller(request), ref(request, request.params)),
    }),
  );
  app.post(
    base,
    {
      schema: {
        tags,
        params: idParams,
        body: actionBody,
        summary: 'Enable, disable, publish or discard a log, or show it (no flag)',
      },
    },
    async (request) => ({
      log: await actOnGuestLog(deps, caller(request), ref(request, request.params), request.body),
    }),
  );
  app.get(
    `${base}/:name`,
    {
      schema: {
        tags,
        params: logParams,
        querystring: readQuery,
        summary: "Read a published log's text (its last lines with ?lines=N)",
      },
    },
    async (request, reply) => {
      const text = await readPublishedLog(
        deps,
        caller(request),
        ref(request, request.params),
        request.params.name,
        request.query.lines === undefined ? undefined : Number(request.query.lines),
      );
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );
}
