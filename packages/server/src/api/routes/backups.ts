// Backups: the capability check before anything else, so asking a datastore for what it does not
// declare answers 501 naming both. Taking backups is not built yet; every backup answers 501
// until it is, and the list is empty.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DatastoreOperationNotSupported } from '@cellar/plugin-api';
import type { InstanceDeps } from './instances.js';
import { loadInstance } from '../../instances/lookup.js';
import { tenantParams } from './params.js';

const createBody = Type.Object(
  {
    backup: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 255 }),
        instance: Type.String({ minLength: 1 }),
        description: Type.Optional(Type.String()),
        parent_id: Type.Optional(Type.String()),
        incremental: Type.Optional(Type.Union([Type.Boolean(), Type.Integer()])),
        swift_container: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function backupRoutes(parent: FastifyInstance, deps: Pick<InstanceDeps, 'db'>): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['backups'];
  app.get(
    '/v1.0/:tenant_id/backups',
    {
      schema: {
        tags,
        summary: 'List backups (none until backups are built)',
        params: tenantParams,
      },
    },
    async () => ({ backups: [] }),
  );
  app.post(
    '/v1.0/:tenant_id/backups',
    {
      schema: {
        tags,
        summary: 'Back up an instance: 501 naming the datastore while it (or Cellar) cannot',
        params: tenantParams,
        body: createBody,
      },
    },
    async (request) => {
      const row = await loadInstance(
        deps.db,
        request.params.tenant_id,
        request.body.backup.instance,
      );
      // No datastore declares the backup capability yet, so the answer is always this one.
      throw new DatastoreOperationNotSupported({
        operation: 'create_backup',
        datastore: row.datastore,
      });
    },
  );
}
