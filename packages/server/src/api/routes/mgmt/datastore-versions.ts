// Trove's /mgmt/datastore-versions over HTTP (admins only): list every version with its active
// and default flags, show one, enable/disable it or make it the default (PATCH), delete an unused
// one. Each route is its schema and one call into mgmt/datastore-versions.ts.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../../db/schema.js';
import {
  createMgmtVersion,
  deleteMgmtVersion,
  listMgmtVersions,
  showMgmtVersion,
  updateMgmtVersion,
} from '../../../mgmt/datastore-versions.js';
import { idParams, pageQuery, tenantParams } from '../params.js';

const tags = ['management'];
const path = '/v1.0/:tenant_id/mgmt/datastore-versions';
const patchBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'false: no new instance may use it' })),
    default: Type.Optional(Type.Boolean({ description: "true: its datastore's default" })),
    name: Type.Optional(Type.String()),
    datastore_manager: Type.Optional(Type.String()),
    image: Type.Optional(Type.String()),
    image_tags: Type.Optional(Type.Array(Type.String())),
    packages: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
  },
  { additionalProperties: false },
);
const createBody = Type.Object(
  {
    version: Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        datastore_name: Type.String({ minLength: 1 }),
        datastore_manager: Type.String({ minLength: 1 }),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);

export function mgmtDatastoreVersionRoutes(parent: FastifyInstance, db: Kysely<Database>): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    path,
    {
      schema: {
        tags,
        summary: 'List every datastore version with its active and default flags (admin)',
        params: tenantParams,
        querystring: pageQuery,
      },
    },
    async () => ({ versions: await listMgmtVersions(db) }),
  );
  app.post(
    path,
    {
      schema: {
        tags,
        summary: "Refused: versions come from the datastore plugins' catalogs (admin)",
        params: tenantParams,
        body: createBody,
      },
    },
    async (request) => createMgmtVersion(db, request.body.version),
  );
  app.get(
    `${path}/:id`,
    { schema: { tags, summary: 'Show a datastore version (admin)', params: idParams } },
    async (request) => ({ version: await showMgmtVersion(db, request.params.id) }),
  );
  app.patch(
    `${path}/:id`,
    {
      schema: {
        tags,
        summary: 'Enable or disable a datastore version, or make it the default (admin)',
        params: idParams,
        body: patchBody,
      },
    },
    async (request, reply) => {
      await updateMgmtVersion(db, request.params.id, request.body);
      return reply.status(202).send();
    },
  );
  app.delete(
    `${path}/:id`,
    {
      schema: {
        tags,
        summary: 'Delete a datastore version no instance or backup uses (admin)',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteMgmtVersion(db, request.params.id);
      return reply.status(202).send();
    },
  );
}
