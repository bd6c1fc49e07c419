// Flavors: the embedded catalog, in Trove's view of Nova's flavors.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { NotFound } from '@cellar/plugin-api';
import type { Database, Flavor } from '../../db/schema.js';
import { baseUrl, resourceLinks } from '../links.js';
import { idParams, tenantParams } from './params.js';

function view(f: Flavor, base: string, tenant: string): object {
  return {
    id: /^\d+$/.test(f.id) ? Number(f.id) : null,
    str_id: f.id,
    name: f.name,
    ram: f.ram,
    vcpus: f.vcpus,
    disk: f.disk,
    ephemeral: 0,
    links: resourceLinks(base, tenant, 'flavors', f.id),
  };
}

export function flavorRoutes(
  parent: FastifyInstance,
  db: Kysely<Database>,
  publicEndpoint: string | undefined,
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.0/:tenant_id/flavors',
    { schema: { tags: ['flavors'], summary: 'List flavors', params: tenantParams } },
    async (request) => {
      const rows = await db
        .selectFrom('flavors')
        .selectAll()
        .where('deleted', '=', 0)
        .orderBy('ram')
        .execute();
      const base = baseUrl(request, publicEndpoint);
      return { flavors: rows.map((f) => view(f, base, request.params.tenant_id)) };
    },
  );
  app.get(
    '/v1.0/:tenant_id/flavors/:id',
    { schema: { tags: ['flavors'], summary: 'Show a flavor', params: idParams } },
    async (request) => {
      const f = await db
        .selectFrom('flavors')
        .selectAll()
        .where('id', '=', request.params.id)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (!f) throw new NotFound({ resource: 'Flavor', id: request.params.id });
      return { flavor: view(f, baseUrl(request, publicEndpoint), request.params.tenant_id) };
    },
  );
}
