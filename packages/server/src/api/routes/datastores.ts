// Datastores and their versions, as Trove shows them: by id or name; non-admins see only active
// versions; admins also see `active` and the image fields (empty: Cellar has no images).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely, Selectable } from 'kysely';
import { Type } from '@sinclair/typebox';
import { NotFound } from '@cellar/plugin-api';
import type { Database, DatastoreVersionTable } from '../../db/schema.js';
import { caller } from '../auth.js';
import { baseUrl, resourceLinks } from '../links.js';

type Version = Selectable<DatastoreVersionTable>;

const isAdmin = (request: FastifyRequest): boolean => caller(request).roles.includes('admin');

function versionView(
  v: Version,
  base: string,
  tenant: string,
  admin: boolean,
  withDatastore: boolean,
): object {
  return {
    id: v.id,
    name: v.name,
    version: v.name,
    links: resourceLinks(base, tenant, 'datastores/versions', v.id),
    ...(withDatastore ? { datastore: v.datastore_id } : {}),
    ...(admin ? { active: v.active === 1, packages: '', image: '', image_tags: [] } : {}),
  };
}

export function datastoreRoutes(
  app: FastifyInstance,
  db: Kysely<Database>,
  publicEndpoint: string | undefined,
): void {
  const findDatastore = async (idOrName: string) => {
    const row = await db
      .selectFrom('datastores')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!row) throw new NotFound({ resource: 'Datastore', id: idOrName });
    return row;
  };
  const versionsOf = async (datastoreId: string, admin: boolean): Promise<Version[]> => {
    let q = db.selectFrom('datastore_versions').selectAll().where('datastore_id', '=', datastoreId);
    if (!admin) q = q.where('active', '=', 1);
    return q.orderBy('name', 'desc').execute();
  };
  const datastoreView = async (
    request: FastifyRequest<{ Params: { tenant_id: string } }>,
    row: { id: string; name: string; default_version_id: string | null },
  ) => {
    const base = baseUrl(request, publicEndpoint);
    const admin = isAdmin(request);
    const versions = await versionsOf(row.id, admin);
    return {
      id: row.id,
      name: row.name,
      links: resourceLinks(base, request.params.tenant_id, 'datastores', row.id),
      ...(row.default_version_id ? { default_version: row.default_version_id } : {}),
      versions: versions.map((v) => versionView(v, base, request.params.tenant_id, admin, false)),
    };
  };
  const tags = ['datastores'];
  const dsParams = Type.Object({ tenant_id: Type.String(), datastore: Type.String() });
  const verParams = Type.Object({
    tenant_id: Type.String(),
    datastore: Type.String(),
    version: Type.String(),
  });

  app.get<{ Params: { tenant_id: string } }>(
    '/v1.0/:tenant_id/datastores',
    { schema: { tags, summary: 'List datastores' } },
    async (request) => {
      const rows = await db.selectFrom('datastores').selectAll().orderBy('name').execute();
      return { datastores: await Promise.all(rows.map((row) => datastoreView(request, row))) };
    },
  );
  app.get<{ Params: { tenant_id: string; uuid: string } }>(
    '/v1.0/:tenant_id/datastores/versions/:uuid',
    {
      schema: {
        tags,
        summary: 'Show a datastore version by id',
        params: Type.Object({ tenant_id: Type.String(), uuid: Type.String() }),
      },
    },
    async (request) => {
      const v = await db
        .selectFrom('datastore_versions')
        .selectAll()
        .where('id', '=', request.params.uuid)
        .executeTakeFirst();
      if (!v || (v.active !== 1 && !isAdmin(request)))
        throw new NotFound({ resource: 'Datastore version', id: request.params.uuid });
      return {
        version: versionView(
          v,
          baseUrl(request, publicEndpoint),
          request.params.tenant_id,
          isAdmin(request),
          true,
        ),
      };
    },
  );
  app.get<{ Params: { tenant_id: string; datastore: string } }>(
    '/v1.0/:tenant_id/datastores/:datastore',
    { schema: { tags, summary: 'Show a datastore', params: dsParams } },
    async (request) => ({
      datastore: await datastoreView(request, await findDatastore(request.params.datastore)),
    }),
  );
  app.get<{ Params: { tenant_id: string; datastore: string } }>(
    '/v1.0/:tenant_id/datastores/:datastore/versions',
    { schema: { tags, summary: "List a datastore's versions", params: dsParams } },
    async (request) => {
      const row = await findDatastore(request.params.datastore);
      const admin = isAdmin(request);
      const base = baseUrl(request, publicEndpoint);
      return {
        versions: (await versionsOf(row.id, admin)).map((v) =>
          versionView(v, base, request.params.tenant_id, admin, true),
        ),
      };
    },
  );
  app.get<{ Params: { tenant_id: string; datastore: string; version: string } }>(
    '/v1.0/:tenant_id/datastores/:datastore/versions/:version',
    { schema: { tags, summary: 'Show a datastore version by id or name', params: verParams } },
    async (request) => {
      const row = await findDatastore(request.params.datastore);
      const admin = isAdmin(request);
      const v = (await versionsOf(row.id, admin)).find(
        (x) => x.id === request.params.version || x.name === request.params.version,
      );
      if (!v)
        throw new NotFound({
          resource: 'Datastore version',
          id: `${row.name} ${request.params.version}`,
        });
      return {
        version: versionView(
          v,
          baseUrl(request, publicEndpoint),
          request.params.tenant_id,
          admin,
          true,
        ),
      };
    },
  );
}
