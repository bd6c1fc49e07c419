// Quotas (`/mgmt/quotas/{project}`; by policy anyone may read their own project's, only admins
// another's or change them) and `/limits`: the project's absolute limits and its rate-limit state.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NotFound, ValidationFailed } from '@cellar/plugin-api';
import { quotaResources, type Quotas } from '../../quotas/quotas.js';
import type { RateLimiter } from '../rate-limit.js';
import { tenantParams } from './params.js';

const params = Type.Object({ tenant_id: Type.String(), project: Type.String() });
const body = Type.Object(
  { quotas: Type.Record(Type.String(), Type.Integer()) },
  { additionalProperties: false },
);

export function quotaRoutes(parent: FastifyInstance, quotas: Quotas, limiter: RateLimiter): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['quotas and limits'];
  app.get(
    '/v1.0/:tenant_id/mgmt/quotas/:project',
    { schema: { tags, summary: "Show a project's quotas and usage", params } },
    async (request) => {
      return { quotas: await quotas.usage(request.params.project) };
    },
  );
  app.put(
    '/v1.0/:tenant_id/mgmt/quotas/:project',
    { schema: { tags, summary: "Change a project's quotas (admin)", params, body } },
    async (request) => {
      const problems: string[] = [];
      for (const [resource, limit] of Object.entries(request.body.quotas)) {
        if (!(quotaResources as readonly string[]).includes(resource))
          throw new NotFound({ resource: 'Quota resource', id: resource });
        if (limit < -1)
          problems.push(`body.quotas.${resource}: ${limit} is below -1 (-1 means no limit)`);
      }
      if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });
      await quotas.setLimits(request.params.project, request.body.quotas);
      return { quotas: request.body.quotas };
    },
  );
  app.get(
    '/v1.0/:tenant_id/limits',
    { schema: { tags, summary: "The project's absolute and rate limits", params: tenantParams } },
    async (request) => {
      const limits = await quotas.limits(request.params.tenant_id);
      return {
        limits: [
          {
            verb: 'ABSOLUTE',
            max_instances: limits.instances,
            max_ram: limits.ram,
            max_backups: limits.backups,
            max_volumes: limits.volumes,
          },
          ...limiter.entries(request.params.tenant_id),
        ],
      };
    },
  );
}
