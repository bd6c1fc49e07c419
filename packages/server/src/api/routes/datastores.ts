// Datastores and their versions, as Trove shows them: by id or name; non-admins see only active
// versions; admins also see `active` and the image fields (empty: Cellar has no images).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely, Selectable } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DatastoreNotFound, NotFound, type DatastoreUnavailable } from '@cellar/plugin-api';
import {
  listParameters,
  listParametersByVersion,
  showParameter,
  showParameterByVersion,
} from '../../configurations/parameters.js';
import { describeUnavailable } from '../../datastores/availability.js';
import type { InstanceDeps } from '../../instances/deps.js';
import type { Database, DatastoreVersionTable } from '../../db/schema.js';
import { caller } from '../auth.js';
import { baseUrl, resourceLinks } from '../links.js';
import { tenantParams } from './params.js';

type Version = Selectable<DatastoreVersionTable>;
/** Why an enabled datastore cannot run on this host, by name; undefined when it can. */
type Unavailability = (datastore: string) => DatastoreUnavailable | undefined;

/** Cellar's extension fields: the reason a create would be refused, and the package to install. */
function unavailableView(u: DatastoreUnavailable | undefined): object {
  if (!u) return {};
  return {
    unavailable_reason: describeUnavailable(u),
    ...(u.debianPackage === undefined ? {} : { unavailable_package: u.debianPackage }),
  };
}

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

async function findDatastore(db: Kysely<Database>, idOrName: string) {
  const row = await db
    .selectFrom('datastores')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  if (row) return row;
  const offered = await db.selectFrom('datastores').select('name').orderBy('name').execute();
  throw new DatastoreNotFound({
    id: idOrName,
    offered: offered.map((d) => d.name).join(', ') || 'none',
  });
}

function versionsOf(db: Kysely<Database>, datastoreId: string, admin: boolean): Promise<Version[]> {
  let q = db.selectFrom('datastore_versions').selectAll().where('datastore_id', '=', datastoreId);
  if (!admin) q = q.where('active', '=', 1);
  return q.orderBy('name', 'desc').execute();
}

const tags = ['datastores'];
const dsParams = Type.Object({ tenant_id: Type.String(), datastore: Type.String() });
const verParams = Type.Object({ ...dsParams.properties, version: Type.String() });

export function datastoreRoutes(
  parent: FastifyInstance,
  db: Kysely<Database>,
  publicEndpoint: string | undefined,
  unavailable: Unavailability = () => undefined,
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const datastoreView = async (
    request: FastifyRequest,
    tenant: string,
    row: { id: string; name: string; default_version_id: string | null },
  ) => {
    const base = baseUrl(request, publicEndpoint);
    const admin = isAdmin(request);
    const versions = await versionsOf(db, row.id, admin);
    return {
      id: row.id,
      name: row.name,
      links: resourceLinks(base, tenant, 'datastores', row.id),
      ...(row.default_version_id ? { default_version: row.default_version_id } : {}),
      versions: versions.map((v) => versionView(v, base, tenant, admin, false)),
      ...unavailableView(unavailable(row.name)),
    };
  };

  app.get(
    '/v1.0/:tenant_id/datastores',
    { schema: { tags, summary: 'List datastores', params: tenantParams } },
    async (request) => {
      const rows = await db.selectFrom('datastores').selectAll().orderBy('name').execute();
      const tenant = request.params.tenant_id;
      return {
        datastores: await Promise.all(rows.map((row) => datastoreView(request, tenant, row))),
      };
    },
  );
  app.get(
    '/v1.0/:tenant_id/datastores/:datastore',
    { schema: { tags, summary: 'Show a datastore', params: dsParams } },
    async (request) => ({
      datastore: await datastoreView(
        request,
        request.params.tenant_id,
        await findDatastore(db, request.params.datastore),
      ),
    }),
  );
  versionRoutes(parent, db, publicEndpoint, unavailable);
}

function versionRoutes(
  parent: FastifyInstance,
  db: Kysely<Database>,
  publicEndpoint: string | undefined,
  unavailable: Unavailability,
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.0/:tenant_id/datastores/versions/:uuid',
    {
      schema: {
        tags,
        summary: 'Show a datastore version by id',
        params: Type.Object({ tenant_id: Type.String(), uuid: Type.String() }),
      },
    },
    async (request) => {
      const { tenant_id: tenant, uuid } = request.params;
      const v = await db
        .selectFrom('datastore_versions')
        .selectAll()
        .where('id', '=', uuid)
        .executeTakeFirst();
      const admin = isAdmin(request);
      if (!v || (v.active !== 1 && !admin))
        throw new NotFound({ resource: 'Datastore version', id: uuid });
      return { version: versionView(v, baseUrl(request, publicEndpoint), tenant, admin, true) };
    },
  );
  app.get(
    '/v1.0/:tenant_id/datastores/:datastore/versions',
    { schema: { tags, summary: "List a datastore's versions", params: dsParams } },
    async (request) => {
      const row = await findDatastore(db, request.params.datastore);
      const admin = isAdmin(request);
      const base = baseUrl(request, publicEndpoint);
      return {
        versions: (await versionsOf(db, row.id, admin)).map((v) =>
          versionView(v, base, request.params.tenant_id, admin, true),
        ),
        ...unavailableView(unavailable(row.name)),
      };
    },
  );
  app.get(
    '/v1.0/:tenant_id/datastores/:datastore/versions/:version',
    { schema: { tags, summary: 'Show a datastore version by id or name', params: verParams } },
    async (request) => {
      const { tenant_id: tenant, datastore, version } = request.params;
      const row = await findDatastore(db, datastore);
      const admin = isAdmin(request);
      const v = (await versionsOf(db, row.id, admin)).find(
        (x) => x.id === version || x.name === version,
      );
      if (!v) throw new NotFound({ resource: 'Datastore version', id: `${row.name} ${version}` });
      return { version: versionView(v, baseUrl(request, publicEndpoint), tenant, admin, true) };
    },
  );
}

const paramParams = Type.Object({ ...verParams.properties, name: Type.String() });
const byIdParams = Type.Object({ tenant_id: Type.String(), uuid: Type.String() });

/** A version's configuration parameters, from its datastore plugin's catalog (Trove's four forms). */
export function parameterRoutes(
  parent: FastifyInstance,
  deps: Pick<InstanceDeps, 'db' | 'datastores'>,
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const path = '/v1.0/:tenant_id/datastores';
  app.get(
    `${path}/:datastore/versions/:version/parameters`,
    { schema: { tags, summary: "List a version's configuration parameters", params: verParams } },
    async (request) => listParameters(deps, request.params.datastore, request.params.version),
  );
  app.get(
    `${path}/:datastore/versions/:version/parameters/:name`,
    { schema: { tags, summary: 'Show a configuration parameter', params: paramParams } },
    async (request) =>
      showParameter(deps, request.params.datastore, request.params.version, request.params.name),
  );
  app.get(
    `${path}/versions/:uuid/parameters`,
    {
      schema: {
        tags,
        summary: "List a version's configuration parameters by version id",
        params: byIdParams,
      },
    },
    async (request) => listParametersByVersion(deps, request.params.uuid),
  );
  app.get(
    `${path}/versions/:uuid/parameters/:name`,
    {
      schema: {
        tags,
        summary: 'Show a configuration parameter by version id',
        params: Type.Object({ ...byIdParams.properties, name: Type.String() }),
      },
    },
    async (request) => showParameterByVersion(deps, request.params.uuid, request.params.name),
  );
}
