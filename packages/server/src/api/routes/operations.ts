// An instance's operations over HTTP: the timeline of every create, restart and delete, kept out
// of the instance body (OpenStack clients print each field of it as a table cell).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { InstanceDeps } from '../../instances/deps.js';
import { operationView } from '../../instances/operation-views.js';
import { instanceOperation, instanceOperations } from '../../instances/timeline.js';
import { projectScope } from '../auth.js';
import { baseUrl } from '../links.js';
import { idParams } from './params.js';

const operationParams = Type.Object({
  tenant_id: Type.String(),
  id: Type.String(),
  operation_id: Type.String(),
});

const error = Type.Object({
  code: Type.String(),
  message: Type.Union([Type.String(), Type.Null()]),
});
const time = Type.Union([Type.String(), Type.Null()]);
const operation = Type.Object({
  id: Type.String(),
  instance_id: Type.String(),
  kind: Type.String({ description: 'create, restart, delete, …' }),
  status: Type.String({ description: 'pending, running, succeeded or failed' }),
  started: time,
  updated: time,
  error: Type.Optional(error),
  steps: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Type.String({ description: 'pending, running, succeeded, failed or skipped' }),
      started: time,
      ended: time,
      error: Type.Optional(error),
      detail: Type.Optional(
        Type.Unknown({
          description: "What the step found: a failover's chosen replica and its lag at promotion",
        }),
      ),
    }),
  ),
  links: Type.Array(Type.Object({ href: Type.String(), rel: Type.String() })),
});

export function operationRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['instances'];
  const base = '/v1.0/:tenant_id/instances/:id/operations';

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "List an instance's operations, newest first, with their steps",
        params: idParams,
        response: { 200: Type.Object({ operations: Type.Array(operation) }) },
      },
    },
    async (request) => {
      const { tenant_id: tenant, id } = request.params;
      const at = baseUrl(request, deps.publicEndpoint);
      const timelines = await instanceOperations(deps, projectScope(request), id);
      return { operations: timelines.map((t) => operationView(t.operation, t.steps, at, tenant)) };
    },
  );
  app.get(
    `${base}/:operation_id`,
    {
      schema: {
        tags,
        summary: 'Show one operation of an instance with its steps',
        params: operationParams,
        response: { 200: Type.Object({ operation }) },
      },
    },
    async (request) => {
      const { tenant_id: tenant, id, operation_id: operationId } = request.params;
      const t = await instanceOperation(deps, projectScope(request), id, operationId);
      return {
        operation: operationView(
          t.operation,
          t.steps,
          baseUrl(request, deps.publicEndpoint),
          tenant,
        ),
      };
    },
  );
}
