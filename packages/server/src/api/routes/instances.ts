// Instances over HTTP: list (summary and detail, paginated), show, create, update, delete and
// the actions. Each route is its schema and one call into the instance services (instances/),
// which hold the rules; handler types come from the schemas through the TypeBox type provider.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { updateInstanceOrConfiguration } from '../../configurations/attach.js';
import { dryRunQuery } from '../../configurations/requests.js';
import { instanceActions, runAction } from '../../instances/actions.js';
import { createInstance } from '../../instances/create.js';
import { deleteInstance } from '../../instances/delete.js';
import type { InstanceDeps } from '../../instances/deps.js';
import { InstanceReads } from '../../instances/reads.js';
import { createInstanceRequest, updateInstanceRequest } from '../../instances/requests.js';
import { caller, projectScope } from '../auth.js';
import { sendJson, viewContext } from './context.js';
import { operationRoutes } from './operations.js';
import { idParams, pageQuery, tenantParams } from './params.js';

export type { DatastorePolicy, InstanceDeps } from '../../instances/deps.js';

const createBody = Type.Object(
  { instance: createInstanceRequest },
  { additionalProperties: false },
);
const updateBody = Type.Object(
  { instance: updateInstanceRequest },
  { additionalProperties: false },
);
/**
 * One of the actions the table in instances/actions.ts knows; any other key is let through, for
 * the service to answer 400 naming it and the known ones (not a schema error about `anyOf`).
 */
const actionBody = Type.Object(
  Object.fromEntries(
    Object.entries(instanceActions).map(([name, action]) => [
      name,
      Type.Optional({ ...action.body, description: action.summary }),
    ]),
  ),
  { additionalProperties: true, description: 'Exactly one action' },
);
const tags = ['instances'];

const span = Type.Object({
  earliest: Type.String({ format: 'date-time' }),
  latest: Type.String({ format: 'date-time' }),
});
/** Cellar's `recoverable_window` of an instance detail, as views.ts renders it. */
const recoverableWindow = Type.Union(
  [
    Type.Object({
      spans: Type.Array(span, {
        description: 'The times (both ends included) a restore_time may name, oldest first',
      }),
      gaps: Type.Array(Type.String(), {
        description: 'What is missing from the archive (PostgreSQL: WAL segment names)',
      }),
    }),
    Type.Object({ error: Type.String({ description: 'Why the backup storage gave no window' }) }),
  ],
  {
    description:
      "Shown only on one instance's detail, where its datastore restores to a point in time and archives for it (PostgreSQL with [postgresql] wal_archiving); kept a few seconds",
  },
);
/** The detail as documented: Trove's fields (not all listed) and Cellar's restore fields. */
const instanceDetail = Type.Object({
  instance: Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      status: Type.String(),
      restore_point: Type.Optional(
        Type.Object({
          backup_id: Type.String(),
          restore_time: Type.Optional(Type.String({ format: 'date-time' })),
        }),
      ),
      recoverable_window: Type.Optional(recoverableWindow),
    },
    { additionalProperties: true },
  ),
});
const listQuery = Type.Object(
  { ...pageQuery.properties, include_clustered: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export function instanceRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const reads = new InstanceReads(deps);
  readRoutes(parent, deps, reads);
  changeRoutes(parent, deps, reads);
  operationRoutes(parent, deps);
}

/** The reads: both lists and one instance's detail, served as JSON text the services render. */
function readRoutes(parent: FastifyInstance, deps: InstanceDeps, reads: InstanceReads): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const list = { tags, params: tenantParams, querystring: listQuery };
  app.get(
    '/v1.0/:tenant_id/instances',
    { schema: { ...list, summary: 'List instances' } },
    async (request, reply) => {
      const view = viewContext(request, request.params.tenant_id, deps);
      return sendJson(reply, await reads.list(view, 'summary', request.query));
    },
  );
  app.get(
    '/v1.0/:tenant_id/instances/detail',
    { schema: { ...list, summary: 'List instances with details' } },
    async (request, reply) => {
      const view = viewContext(request, request.params.tenant_id, deps);
      return sendJson(reply, await reads.list(view, 'detail', request.query));
    },
  );
  app.get(
    '/v1.0/:tenant_id/instances/:id',
    {
      schema: {
        tags,
        summary: 'Show an instance',
        params: idParams,
        response: { 200: instanceDetail },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        await reads.show(
          viewContext(request, request.params.tenant_id, deps),
          request.params.id,
          projectScope(request),
        ),
      ),
  );
}

/** Create, update, delete and the actions. */
function changeRoutes(parent: FastifyInstance, deps: InstanceDeps, reads: InstanceReads): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1.0/:tenant_id/instances',
    {
      schema: {
        tags,
        summary: 'Create an instance (answers 200, as Trove does)',
        params: tenantParams,
        body: createBody,
      },
    },
    async (request) => {
      const tenant = request.params.tenant_id;
      const created = await createInstance(deps, caller(request), tenant, request.body.instance);
      const view = viewContext(request, tenant, deps);
      return { instance: await reads.created(view, created.id, created.rootPassword) };
    },
  );
  // PATCH is Trove's older alias of PUT.
  for (const verb of ['put', 'patch'] as const)
    app[verb](
      '/v1.0/:tenant_id/instances/:id',
      {
        schema: {
          tags,
          summary:
            'Rename an instance, change who may reach it, attach (an id) or detach (null) its configuration group, or detach a replica (replica_of); ?dry_run=true with a configuration answers what would change (200)',
          params: idParams,
          querystring: dryRunQuery,
          body: updateBody,
        },
      },
      async (request, reply) => {
        const answer = await updateInstanceOrConfiguration(
          deps,
          caller(request),
          projectScope(request),
          request.params.id,
          request.body.instance,
          request.query.dry_run === 'true',
        );
        return answer ? reply.status(200).send(answer) : reply.status(202).send();
      },
    );
  app.delete(
    '/v1.0/:tenant_id/instances/:id',
    { schema: { tags, summary: 'Delete an instance', params: idParams } },
    async (request, reply) => {
      await deleteInstance(deps, projectScope(request), request.params.id);
      return reply.status(202).send();
    },
  );
  app.post(
    '/v1.0/:tenant_id/instances/:id/action',
    {
      schema: {
        tags,
        summary: `Act on an instance: ${Object.keys(instanceActions).join(', ')}`,
        params: idParams,
        body: actionBody,
      },
    },
    async (request, reply) => {
      await runAction(
        deps,
        caller(request),
        projectScope(request),
        request.params.id,
        request.body,
      );
      return reply.status(202).send();
    },
  );
}
