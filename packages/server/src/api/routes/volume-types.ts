// Volume types. Cellar's volumes are directories on the instance's host, so there is one type;
// python-troveclient asks for the collection, which Trove itself does not serve.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idParams } from './params.js';
import { NotFound } from '@cellar/plugin-api';

const local = {
  id: 'local',
  name: 'local',
  is_public: true,
  description: "A directory on the instance's host, sized by volume.size",
};

export function volumeTypeRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['volume types'];
  app.get(
    '/v1.0/:tenant_id/volume-types',
    { schema: { tags, summary: 'List volume types' } },
    async () => ({ volume_types: [local] }),
  );
  app.get(
    '/v1.0/:tenant_id/volume-types/:id',
    { schema: { tags, summary: 'Show a volume type', params: idParams } },
    async (request) => {
      if (request.params.id !== local.id && request.params.id !== local.name)
        throw new NotFound({ resource: 'Volume type', id: request.params.id });
      return { volume_type: local };
    },
  );
}
