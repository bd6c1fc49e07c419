// A project's changes over HTTP as server-sent events: the route checks Last-Event-ID, takes
// the response over from Fastify, and hands it to the process's event streams (events/).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ClientStream } from '../../events/client-stream.js';
import { defaultStreamOptions, EventStreams } from '../../events/event-streams.js';
import type { InstanceDeps } from '../../instances/deps.js';
import type { FaultLog } from '../faults.js';
import { viewContext } from './context.js';
import { tenantParams } from './params.js';

const description = `A stream (text/event-stream) of the project's changes. Each event has an \`id:\` (an opaque cursor), an \`event:\` of \`instance\`, \`operation\` or \`backup\`, and \`data:\` JSON: the instance as GET /instances/{id} answers it under \`instance\`, the operation as GET /instances/{id}/operations lists it, the backup as GET /backups/{id} answers it under \`backup\`; \`{"id", "deleted": true}\` once an instance or backup is gone. What changed several times between two events is sent once, as it is when sent. A client that reconnects with the header Last-Event-ID gets every change after that event (changes are kept 24 hours; an older id starts from the oldest kept). A new stream starts with an id-only message naming where it starts. A comment (\`: keep-alive\`) is sent every 15 seconds.`;

const eventStream = {
  description: 'Server-sent events: `id:`, `event:` and `data:` lines, a blank line after each',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

export function eventRoutes(parent: FastifyInstance, deps: InstanceDeps, log: FaultLog): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const streams = new EventStreams(deps, {
    ...defaultStreamOptions,
    onError: (error) => log.error({ err: error }, 'the event stream could not read a change'),
  });
  // Open streams would hold the server open: they end when it closes (clients reconnect).
  app.addHook('preClose', async () => streams.close());
  app.get(
    '/v1.0/:tenant_id/events',
    {
      schema: {
        tags: ['events'],
        summary: "Follow the project's instance, operation and backup changes (server-sent events)",
        description,
        params: tenantParams,
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({ description: 'The id of the last event received, to resume after it' }),
          ),
        }),
        produces: ['text/event-stream'],
        response: { 200: eventStream },
      },
    },
    async (request, reply) => {
      const tenant = request.params.tenant_id;
      const after = streams.cursorOf(request.headers['last-event-id']);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise hold events back to fill their buffers.
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
      const sink = {
        write: (text: string) => void raw.write(text),
        get unsent() {
          return raw.writableLength;
        },
        end: () => raw.end(),
      };
      let stream: ClientStream | undefined;
      raw.on('close', () => stream?.end());
      try {
        stream = await streams.open(tenant, viewContext(request, tenant, deps), after, sink);
        // The client may have gone while its backlog was read.
        if (raw.closed) stream.end();
      } catch (error) {
        log.error({ err: error }, 'an event stream could not start');
        raw.end();
      }
    },
  );
}
