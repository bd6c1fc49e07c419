// Backups over HTTP, in Trove's shapes: take one (202, NEW), list (the project's, or with
// all_projects every project's for an administrator), show, delete (its incrementals first), an
// instance's backups, and the backup strategies. Each route is its schema and one service call.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createBackup } from '../../backups/create.js';
import { deleteBackup } from '../../backups/delete.js';
import { listBackupPage } from '../../backups/list-page.js';
import { instanceBackups, showBackup } from '../../backups/reads.js';
import { backupView } from '../../backups/views.js';
import type { InstanceDeps } from '../../instances/deps.js';
import type { Policy } from '../../policy/policy.js';
import { caller, projectScope } from '../auth.js';
import { baseUrl } from '../links.js';
import { idParams, tenantParams } from './params.js';

const createBody = Type.Object(
  {
    backup: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 255 }),
        instance: Type.String({ minLength: 1 }),
        description: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
        parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
        incremental: Type.Optional(Type.Union([Type.Boolean(), Type.Integer()])),
        // Trove's container choice: the configured storage decides where backups go here.
        swift_container: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const listQuery = Type.Object(
  {
    instance_id: Type.Optional(Type.String()),
    datastore: Type.Optional(Type.String()),
    project_id: Type.Optional(Type.String()),
    all_projects: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    marker: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const tags = ['backups'];

export function backupRoutes(parent: FastifyInstance, deps: InstanceDeps, policy: Policy): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1.0/:tenant_id/backups',
    {
      schema: {
        tags,
        summary: 'Back up an instance (202, status NEW); 501 when its datastore cannot',
        params: tenantParams,
        body: createBody,
      },
    },
    async (request, reply) => {
      const { parent_id, description, ...body } = request.body.backup;
      const created = await createBackup(deps, projectScope(request), {
        ...body,
        ...(parent_id ? { parent_id } : {}),
        ...(description ? { description } : {}),
      });
      return reply.status(202).send({ backup: backupView(created) });
    },
  );
  app.get(
    '/v1.0/:tenant_id/backups',
    {
      schema: {
        tags,
        summary: 'List backups, newest update first, a page of at most 20 (limit, marker)',
        params: tenantParams,
        querystring: listQuery,
      },
    },
    async (request) => {
      const tenant = request.params.tenant_id;
      return listBackupPage(deps.db, {
        tenant,
        query: request.query,
        pageSize: deps.pageSize ?? 20,
        url: `${baseUrl(request, deps.publicEndpoint)}/v1.0/${tenant}/backups`,
        allowAllProjects: () =>
          policy.enforce('backup:index:all_projects', { tenant }, caller(request)),
      });
    },
  );
  itemRoutes(parent, deps);
}

/** One backup, an instance's backups, and the strategies. */
function itemRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.0/:tenant_id/backups/:id',
    { schema: { tags, summary: 'Show a backup', params: idParams } },
    async (request) => ({
      backup: await showBackup(deps.db, projectScope(request), request.params.id),
    }),
  );
  app.delete(
    '/v1.0/:tenant_id/backups/:id',
    {
      schema: {
        tags,
        summary: 'Delete a backup and the incrementals built on it (422 while it runs)',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteBackup(deps, projectScope(request), request.params.id);
      return reply.status(202).send();
    },
  );
  app.get(
    '/v1.0/:tenant_id/instances/:id/backups',
    { schema: { tags, summary: "List an instance's backups", params: idParams } },
    async (request) => ({
      backups: await instanceBackups(deps.db, projectScope(request), request.params.id),
    }),
  );
  app.get(
    '/v1.0/:tenant_id/backup_strategies',
    {
      schema: {
        tags,
        summary: "Trove's per-project Swift containers: none here, the storage is the deployment's",
        params: tenantParams,
      },
    },
    async () => ({ backup_strategies: [] }),
  );
}
