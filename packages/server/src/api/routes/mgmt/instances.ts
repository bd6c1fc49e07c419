// Trove's management API for instances over HTTP (admins only: the policy hook answers others
// 401): every project's instances, one with its history, its actions, root history and rpc_ping.
// Each route is its schema and one call into the management services (mgmt/).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { InstanceDeps } from '../../../instances/deps.js';
import { mgmtInstanceAction, rpcPing } from '../../../mgmt/instance-actions.js';
import { listMgmtInstances, rootHistory, showMgmtInstance } from '../../../mgmt/instances.js';
import { caller } from '../../auth.js';
import { viewContext } from '../context.js';
import { idParams, tenantParams } from '../params.js';

const tags = ['management'];
const listQuery = Type.Object(
  {
    deleted: Type.Optional(Type.String({ description: 'true: only deleted; false: only live' })),
    project_id: Type.Optional(Type.String({ description: "Only this project's instances" })),
    include_clustered: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    marker: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const showQuery = Type.Object(
  { deleted: Type.Optional(Type.String({ description: 'true: a deleted instance too' })) },
  { additionalProperties: false },
);
const empty = Type.Object({}, { additionalProperties: false });
const actionBody = Type.Object(
  {
    stop: Type.Optional(empty),
    reboot: Type.Optional(empty),
    'reset-task-status': Type.Optional(empty),
  },
  {
    // Any other name reaches the service, which answers 400 naming the actions it knows.
    additionalProperties: true,
    description: 'Exactly one of stop, reboot, reset-task-status',
  },
);

export function mgmtInstanceRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.0/:tenant_id/mgmt/instances',
    {
      schema: {
        tags,
        summary: "List every project's instances (deleted, project_id) (admin)",
        params: tenantParams,
        querystring: listQuery,
      },
    },
    async (request) =>
      listMgmtInstances(deps, viewContext(request, request.params.tenant_id, deps), request.query),
  );
  app.get(
    '/v1.0/:tenant_id/mgmt/instances/:id',
    {
      schema: {
        tags,
        summary: "Show any project's instance with its root history and operations (admin)",
        params: idParams,
        querystring: showQuery,
      },
    },
    async (request) => ({
      instance: await showMgmtInstance(
        deps,
        viewContext(request, request.params.tenant_id, deps),
        request.params.id,
        request.query.deleted,
      ),
    }),
  );
  app.post(
    '/v1.0/:tenant_id/mgmt/instances/:id/action',
    {
      schema: {
        tags,
        summary: 'Stop, reboot or reset the task status of any instance (admin)',
        params: idParams,
        body: actionBody,
      },
    },
    async (request, reply) => {
      await mgmtInstanceAction(deps, caller(request), request.params.id, request.body);
      return reply.status(202).send();
    },
  );
  app.get(
    '/v1.0/:tenant_id/mgmt/instances/:id/root',
    {
      schema: {
        tags,
        summary: 'When root was first enabled on an instance, and by whom (admin)',
        params: idParams,
      },
    },
    async (request) => ({ root_history: await rootHistory(deps, request.params.id) }),
  );
  app.get(
    '/v1.0/:tenant_id/mgmt/instances/:id/rpc_ping',
    {
      schema: {
        tags,
        summary: "Whether an instance's guest answers (204) (admin)",
        params: idParams,
      },
    },
    async (request, reply) => {
      await rpcPing(deps, caller(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
