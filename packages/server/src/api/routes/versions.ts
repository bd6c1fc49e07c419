// GET /: the versions document, outside authentication, as Trove serves it.

import type { FastifyInstance } from 'fastify';
import { baseUrl } from '../links.js';

export function versionsRoutes(app: FastifyInstance, publicEndpoint: string | undefined): void {
  app.get('/', { schema: { hide: true } }, async (request) => ({
    versions: [
      {
        id: 'v1.0',
        status: 'CURRENT',
        updated: '2012-08-01T00:00:00Z',
        links: [{ rel: 'self', href: `${baseUrl(request, publicEndpoint)}/v1.0/` }],
      },
    ],
  }));
}
