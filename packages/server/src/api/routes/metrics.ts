// An instance's gauges over HTTP (`GET /instances/{id}/metrics?minutes=N`) and the control
// plane's Prometheus exposition (`GET /metrics`, admins only: metrics/scrape-auth.ts). Each route
// is its schema and one call into metrics/.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { TokenValidator } from '../../identity/keystone.js';
import { ControlPlaneMetrics } from '../../metrics/exposition.js';
import { instanceMetrics } from '../../metrics/instance-metrics.js';
import { ScrapeAuth } from '../../metrics/scrape-auth.js';
import { projectScope } from '../auth.js';
import { idParams } from './params.js';

export interface MetricsRouteDeps {
  readonly db: Kysely<Database>;
  readonly tokens: TokenValidator;
  readonly adminToken?: string | undefined;
  readonly metricsToken?: string | undefined;
  readonly heartbeatExpiry: number;
}

const metricsQuery = Type.Object(
  { minutes: Type.Optional(Type.String({ description: 'From 1 to 1440; 60 when left out.' })) },
  { additionalProperties: false },
);

export function metricsRoutes(parent: FastifyInstance, deps: MetricsRouteDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const exposition = new ControlPlaneMetrics(deps.db, deps.heartbeatExpiry);
  const scrapers = new ScrapeAuth(deps.tokens, [deps.adminToken, deps.metricsToken]);
  app.addHook('onResponse', async (request, reply) => {
    exposition.countRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
    );
  });
  app.get(
    '/v1.0/:tenant_id/instances/:id/metrics',
    {
      schema: {
        tags: ['instances'],
        params: idParams,
        querystring: metricsQuery,
        summary: "An instance's gauges at one-minute resolution over the last minutes",
      },
    },
    async (request) => ({
      metrics: await instanceMetrics(
        deps.db,
        { tenant: projectScope(request), id: request.params.id },
        request.query.minutes,
      ),
    }),
  );
  app.get(
    '/metrics',
    // Prometheus' exposition, not a part of the Trove API the OpenAPI document describes.
    { schema: { hide: true } },
    async (request, reply) => {
      await scrapers.check(request.headers);
      return reply.type(exposition.registry.contentType).send(await exposition.scrape());
    },
  );
}
