// What the instance routes take from a request besides its schema-checked parts: the caller,
// the view context (links on the public endpoint, the caller's role), and a reply of JSON text.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InstanceDeps } from '../../instances/deps.js';
import type { ViewContext } from '../../instances/views.js';
import { isAdmin } from '../../policy/admin-context.js';
import { caller } from '../auth.js';
import { baseUrl } from '../links.js';

export function viewContext(
  request: FastifyRequest,
  tenant: string,
  deps: Pick<InstanceDeps, 'publicEndpoint' | 'heartbeatExpiry'>,
): ViewContext {
  return {
    base: baseUrl(request, deps.publicEndpoint),
    tenant,
    admin: isAdmin(caller(request)),
    now: new Date(),
    heartbeatExpiry: deps.heartbeatExpiry,
  };
}

/** Sends a body the service has already rendered to JSON text. */
export function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
