// Instances: list (summary and detail, paginated), show, create, rename and change access,
// delete, and the restart action. Mutations become durable operations run by the taskmanager;
// the request writes its records in one transaction, so a refused request leaves nothing.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import {
  BadRequest,
  DatastoreOperationNotSupported,
  InstanceBusy,
  NotFound,
  OperationInterrupted,
  ValidationFailed,
  VolumeTooLarge,
  type Capability,
  type NameRule,
  type PortRange,
} from '@cellar/plugin-api';
import type { GuestClient } from '@cellar/rpc';
import { now, type Database, type Instance } from '../../db/schema.js';
import { generatePassword } from '../../identity/passwords.js';
import type { Quotas } from '../../quotas/quotas.js';
import { checkAllowedCidrs, securityRules } from '../../instances/security-rules.js';
import { canPerformAction } from '../../instances/status.js';
import { RenderedViews } from '../../instances/rendered.js';
import { detailView, statusOf, type InstanceRow, type ViewContext } from '../../instances/views.js';
import { newInstanceKey, seal } from '../../secrets.js';
import type { TaskStatus } from '../../instances/states.js';
import { Operations, type OperationKind } from '../../taskmanager/operations.js';
import { stepsOf, type CreateRequest } from '../../taskmanager/taskmanager.js';
import { caller } from '../auth.js';
import { databaseBody, nameProblems, toDatabaseSpec, toUserSpec, userBody } from './bodies.js';
import { InstanceLists, loadInstance } from './instance-lookup.js';
import { idParams } from './params.js';
import { baseUrl } from '../links.js';

export interface DatastorePolicy {
  readonly capabilities: readonly Capability[];
  readonly nameRules?: { readonly database?: NameRule; readonly user?: NameRule };
  readonly rootOnCreate: boolean;
  readonly passwordLength: number;
  readonly volumeSupport: boolean;
  readonly tcpPorts: readonly PortRange[];
  readonly udpPorts: readonly PortRange[];
  /** Seconds the taskmanager waits for a new instance's guest to report healthy. */
  readonly usageTimeout: number;
}

export interface InstanceDeps {
  readonly db: Kysely<Database>;
  /** The control database's change stamp: lists are read again only after it moves. */
  readonly changeStamp: () => Promise<string>;
  readonly publicEndpoint?: string;
  readonly heartbeatExpiry: number;
  readonly controlKey: string;
  readonly datastores: ReadonlyMap<string, DatastorePolicy>;
  /** Hands an operation to the taskmanager; if that fails the operation waits for its resume. */
  readonly runOperation: (operationId: string) => Promise<void>;
  readonly quotas: Quotas;
  readonly maxVolumeSize: number;
  /** A client for an instance's guest, signed with its key. */
  readonly guest: (instance: Pick<Instance, 'id' | 'rpc_key'>) => GuestClient;
  readonly pageSize?: number;
}

const cidr = Type.String({
  pattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$|^[0-9a-fA-F:]+/\\d{1,3}$',
});
const access = Type.Object(
  { is_public: Type.Optional(Type.Boolean()), allowed_cidrs: Type.Optional(Type.Array(cidr)) },
  { additionalProperties: false },
);

const createBody = Type.Object(
  {
    instance: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 255, pattern: '[A-Za-z0-9]' }),
        flavorRef: Type.Union([Type.String({ minLength: 1 }), Type.Integer()]),
        // python-troveclient sends "type": null when no type is chosen.
        volume: Type.Optional(
          Type.Object(
            {
              size: Type.Integer({ minimum: 1 }),
              type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            },
            { additionalProperties: false },
          ),
        ),
        datastore: Type.Optional(
          Type.Object(
            {
              type: Type.Optional(Type.String()),
              version: Type.Optional(Type.String()),
              version_number: Type.Optional(Type.String()),
            },
            { additionalProperties: false },
          ),
        ),
        databases: Type.Optional(Type.Array(databaseBody)),
        users: Type.Optional(Type.Array(userBody)),
        access: Type.Optional(access),
        availability_zone: Type.Optional(Type.String()),
        nics: Type.Optional(Type.Array(Type.Record(Type.String(), Type.String()), { maxItems: 1 })),
        locality: Type.Optional(
          Type.Union([Type.Literal('affinity'), Type.Literal('anti-affinity')]),
        ),
        region_name: Type.Optional(Type.String()),
        restorePoint: Type.Optional(Type.Object({ backupRef: Type.String() })),
        configuration: Type.Optional(Type.String()),
        replica_of: Type.Optional(Type.String()),
        replica_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
        modules: Type.Optional(Type.Array(Type.Object({ id: Type.String() }))),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const updateBody = Type.Object(
  {
    instance: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '[A-Za-z0-9]' })),
        access: Type.Optional(access),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const actionBody = Type.Union([
  Type.Object(
    { restart: Type.Object({}, { additionalProperties: false }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      reset_status: Type.Object(
        { force_delete: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

const listQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    marker: Type.Optional(Type.String()),
    include_clustered: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export function instanceRoutes(app: FastifyInstance, deps: InstanceDeps): void {
  const { db } = deps;
  const operations = new Operations(db, deps.controlKey);
  const tags = ['instances'];
  const pageSize = deps.pageSize ?? 20;

  const lists = new InstanceLists(db, deps.changeStamp);

  const viewContext = (
    request: FastifyRequest<{ Params: { tenant_id: string } }>,
  ): ViewContext => ({
    base: baseUrl(request, deps.publicEndpoint),
    tenant: request.params.tenant_id,
    admin: caller(request).roles.includes('admin'),
    now: new Date(),
    heartbeatExpiry: deps.heartbeatExpiry,
  });

  const load = (tenant: string, id: string): Promise<InstanceRow> => loadInstance(db, tenant, id);

  /** The detail view of one instance, with its fault and its operation's timeline. */
  const detail = async (
    request: FastifyRequest<{ Params: { tenant_id: string } }>,
    row: InstanceRow,
    password?: string,
  ) => {
    const [faults, timelines] = await Promise.all([
      lists.faults([row.id]),
      operations.latestFor([row.id]),
    ]);
    return detailView(row, viewContext(request), {
      fault: faults.get(row.id),
      timeline: timelines.get(row.id),
      password,
    });
  };

  const startOperation = async (
    instanceId: string,
    kind: OperationKind,
    task: TaskStatus,
    request: object,
  ): Promise<string> => {
    const id = await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('instances')
        .set({ task_status: task, updated_at: now() })
        .where('id', '=', instanceId)
        .execute();
      return operations.create(trx, instanceId, kind, request, stepsOf[kind]);
    });
    await deps.runOperation(id);
    return id;
  };

  const rendered = new RenderedViews();
  const list =
    (view: 'summary' | 'detail') =>
    async (
      request: FastifyRequest<{
        Params: { tenant_id: string };
        Querystring: Static<typeof listQuery>;
      }>,
      reply: FastifyReply,
    ): Promise<FastifyReply> => {
      const limit = Math.min(Number(request.query.limit ?? pageSize) || pageSize, pageSize);
      const marker = request.query.marker;
      // One row past the page says whether there is a next one.
      const listing = await lists.listing(
        request.params.tenant_id,
        limit + 1,
        marker,
        view === 'detail',
      );
      if (!listing)
        throw new BadRequest({
          reason: `marker ${marker ?? ''} is not an instance of this project`,
        });
      const shown = listing.rows.slice(0, limit);
      const v = viewContext(request);
      const instances = shown.map((r) =>
        view === 'summary'
          ? rendered.summary(r, v)
          : rendered.detail(r, v, listing.faults.get(r.id)),
      );
      const last = shown.at(-1);
      const path = view === 'summary' ? 'instances' : 'instances/detail';
      const links =
        listing.rows.length > limit && last
          ? [
              {
                rel: 'next',
                href: `${v.base}/v1.0/${v.tenant}/${path}?limit=${limit}&marker=${last.id}`,
              },
            ]
          : undefined;
      // The rows come rendered: the body is `{"instances": [...], "links": [...]}` put together as text.
      const body = `{"instances":[${instances.join(',')}]${links ? `,"links":${JSON.stringify(links)}` : ''}}`;
      return reply.type('application/json; charset=utf-8').send(body);
    };

  app.get(
    '/v1.0/:tenant_id/instances',
    { schema: { tags, summary: 'List instances', querystring: listQuery } },
    list('summary'),
  );
  app.get(
    '/v1.0/:tenant_id/instances/detail',
    { schema: { tags, summary: 'List instances with details', querystring: listQuery } },
    list('detail'),
  );

  /** The space used on a ready instance's volume, as its guest reports it (Trove asks on show too); absent when it cannot tell quickly. */
  const volumeUsed = async (row: InstanceRow): Promise<number | undefined> => {
    if (
      row.task_status !== 'NONE' ||
      row.address === null ||
      !['healthy', 'running'].includes(
        statusOf(row, new Date(), deps.heartbeatExpiry).effectiveServiceStatus,
      )
    )
      return undefined;
    try {
      return (await deps.guest(row).filesystemStats({ requestId: randomUUID() }, 2)).used;
    } catch {
      return undefined;
    }
  };

  app.get<{ Params: Static<typeof idParams> }>(
    '/v1.0/:tenant_id/instances/:id',
    { schema: { tags, summary: 'Show an instance', params: idParams } },
    async (request) => {
      const row = await load(request.params.tenant_id, request.params.id);
      const [shown, used] = await Promise.all([detail(request, row), volumeUsed(row)]);
      const volume = shown?.['volume'];
      return {
        instance: used === undefined || !volume ? shown : { ...shown, volume: { ...volume, used } },
      };
    },
  );

  app.post<{ Params: { tenant_id: string }; Body: Static<typeof createBody> }>(
    '/v1.0/:tenant_id/instances',
    {
      schema: {
        tags,
        summary: 'Create an instance (answers 200, as Trove does)',
        body: createBody,
      },
    },
    async (request) => {
      const body = request.body.instance;
      const tenant = request.params.tenant_id;
      checkAllowedCidrs('body.instance.access.allowed_cidrs', body.access?.allowed_cidrs);
      // Datastore and version.
      const names = [...deps.datastores.keys()];
      const type = body.datastore?.type ?? (names.length === 1 ? names[0] : undefined);
      if (type === undefined)
        throw new BadRequest({
          reason: `instance.datastore.type is required: one of ${names.join(', ')}`,
        });
      const policy = deps.datastores.get(type);
      const datastore = await db
        .selectFrom('datastores')
        .selectAll()
        .where((eb) => eb.or([eb('name', '=', type), eb('id', '=', type)]))
        .executeTakeFirst();
      if (!policy || !datastore) throw new NotFound({ resource: 'Datastore', id: type });
      // What the datastore does not support is refused before anything else happens.
      const need = (capability: Capability, operation: string): void => {
        if (!policy.capabilities.includes(capability))
          throw new DatastoreOperationNotSupported({ operation, datastore: datastore.name });
      };
      if (body.restorePoint) need('restore', 'restore');
      if (body.replica_of !== undefined || body.replica_count !== undefined)
        need('replication', 'replica_create');
      if (body.configuration !== undefined) need('configuration', 'configuration_attach');
      if (body.modules !== undefined && body.modules.length > 0) need('modules', 'module_apply');
      if (body.databases && body.databases.length > 0) need('databases', 'database_create');
      if (body.users && body.users.length > 0) need('users', 'user_create');
      const versions = await db
        .selectFrom('datastore_versions')
        .selectAll()
        .where('datastore_id', '=', datastore.id)
        .execute();
      const wanted = body.datastore?.version ?? body.datastore?.version_number;
      const version =
        wanted === undefined
          ? versions.find((v) => v.id === datastore.default_version_id)
          : versions.find((v) => v.id === wanted || v.name === wanted);
      if (!version) {
        throw wanted === undefined
          ? new BadRequest({
              reason: `datastore ${datastore.name} has no version installed on this host`,
            })
          : new NotFound({ resource: 'Datastore version', id: `${datastore.name} ${wanted}` });
      }
      if (version.active !== 1)
        throw new BadRequest({
          reason: `datastore version ${datastore.name} ${version.name} is not active`,
        });
      // Flavor and volume.
      const flavorId = String(body.flavorRef).split('/').at(-1) ?? '';
      const flavor = await db
        .selectFrom('flavors')
        .selectAll()
        .where('id', '=', flavorId)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (!flavor) throw new NotFound({ resource: 'Flavor', id: flavorId });
      if (body.volume && !policy.volumeSupport)
        throw new DatastoreOperationNotSupported({
          operation: 'volume',
          datastore: datastore.name,
        });
      if (body.volume && body.volume.size > deps.maxVolumeSize)
        throw new VolumeTooLarge({ size: body.volume.size, max: deps.maxVolumeSize });
      if (!body.volume && policy.volumeSupport)
        throw new ValidationFailed({
          problems: `body.instance.volume: the ${datastore.name} datastore keeps its data on a volume: give volume.size in GB`,
        });
      // Databases and users: the datastore's naming rules, no duplicates, grants only to listed databases.
      const problems: string[] = [];
      const dbNames = (body.databases ?? []).map((d) => d.name);
      body.databases?.forEach((d, i) =>
        problems.push(
          ...nameProblems(
            'database',
            `body.instance.databases[${i}].name`,
            d.name,
            policy.nameRules?.database,
            datastore.name,
          ),
        ),
      );
      body.users?.forEach((u, i) => {
        problems.push(
          ...nameProblems(
            'user',
            `body.instance.users[${i}].name`,
            u.name,
            policy.nameRules?.user,
            datastore.name,
          ),
        );
        for (const d of u.databases ?? [])
          if (!dbNames.includes(d.name))
            problems.push(
              `body.instance.users[${i}].databases: '${d.name}' is not in instance.databases`,
            );
      });
      const dup = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
      for (const d of dup(dbNames)) problems.push(`body.instance.databases: '${d}' is given twice`);
      for (const u of dup((body.users ?? []).map((x) => `${x.name}@${x.host ?? '%'}`)))
        problems.push(`body.instance.users: '${u}' is given twice`);
      if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });

      const id = randomUUID();
      const at = now();
      const rootPassword = policy.rootOnCreate
        ? generatePassword(policy.passwordLength)
        : undefined;
      const accessValue = {
        is_public: body.access?.is_public ?? false,
        allowed_cidrs: body.access?.allowed_cidrs ?? [],
      };
      const createRequest: CreateRequest = {
        databases: (body.databases ?? []).map(toDatabaseSpec),
        users: (body.users ?? []).map(toUserSpec),
        ...(rootPassword === undefined
          ? {}
          : { sealedRootPassword: seal(deps.controlKey, rootPassword) }),
      };
      const operationId = await db.transaction().execute(async (trx) => {
        await deps.quotas.consume(trx, tenant, {
          instances: 1,
          ram: flavor.ram,
          volumes: body.volume?.size ?? 0,
        });
        await trx
          .insertInto('instances')
          .values({
            id,
            name: body.name,
            tenant_id: tenant,
            flavor_id: flavor.id,
            volume_size: body.volume?.size ?? null,
            volume_type: body.volume?.type ?? null,
            datastore_version_id: version.id,
            task_status: 'BUILDING',
            server_status: 'BUILD',
            address: null,
            hostname: null,
            access: JSON.stringify(accessValue),
            availability_zone: body.availability_zone ?? null,
            locality: body.locality ?? null,
            nics: JSON.stringify(body.nics ?? []),
            security_rules: '[]',
            rpc_key: seal(deps.controlKey, newInstanceKey()),
            created_at: at,
            updated_at: at,
            deleted_at: null,
          })
          .execute();
        await trx
          .insertInto('service_statuses')
          .values({ instance_id: id, status: 'new', updated_at: at })
          .execute();
        if (rootPassword !== undefined)
          await trx
            .insertInto('root_history')
            .values({ instance_id: id, user_id: caller(request).userId, created_at: at })
            .execute();
        return operations.create(trx, id, 'create', createRequest, stepsOf.create);
      });
      await deps.runOperation(operationId);
      return { instance: await detail(request, await load(tenant, id), rootPassword) };
    },
  );

  app.put<{ Params: Static<typeof idParams>; Body: Static<typeof updateBody> }>(
    '/v1.0/:tenant_id/instances/:id',
    {
      schema: {
        tags,
        summary: 'Rename an instance or change who may reach it',
        params: idParams,
        body: updateBody,
      },
    },
    async (request, reply) => {
      const row = await load(request.params.tenant_id, request.params.id);
      const { name, access: newAccess } = request.body.instance;
      if (name === undefined && newAccess === undefined)
        throw new BadRequest({
          reason: 'Nothing to update: give instance.name or instance.access',
        });
      const changes: Partial<{ name: string; access: string; security_rules: string }> = {};
      if (name !== undefined) changes.name = name;
      if (newAccess !== undefined) {
        checkAllowedCidrs('body.instance.access.allowed_cidrs', newAccess.allowed_cidrs);
        const policy = deps.datastores.get(row.datastore);
        const merged = {
          is_public: newAccess.is_public ?? false,
          allowed_cidrs: newAccess.allowed_cidrs ?? [],
        };
        changes.access = JSON.stringify(merged);
        if (policy)
          changes.security_rules = JSON.stringify(
            securityRules(policy.tcpPorts, policy.udpPorts, merged.allowed_cidrs),
          );
        // Not while an operation runs: a create has already handed the old access to its server.
        if (row.task_status !== 'NONE')
          throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
        // A running server enforces it before the answer, so the next connection already obeys it.
        if (row.address !== null) {
          const auth = caller(request);
          await deps.guest(row).applyAccess(merged.allowed_cidrs, {
            requestId: randomUUID(),
            projectId: auth.projectId,
            userId: auth.userId,
            roles: [...auth.roles],
          });
        }
      }
      await db
        .updateTable('instances')
        .set({ ...changes, updated_at: now() })
        .where('id', '=', row.id)
        .execute();
      return reply.status(202).send();
    },
  );

  app.delete<{ Params: Static<typeof idParams> }>(
    '/v1.0/:tenant_id/instances/:id',
    { schema: { tags, summary: 'Delete an instance', params: idParams } },
    async (request, reply) => {
      const row = await load(request.params.tenant_id, request.params.id);
      const open = await db
        .selectFrom('operations')
        .select(['id', 'kind'])
        .where('instance_id', '=', row.id)
        .where('status', 'in', ['pending', 'running'])
        .executeTakeFirst();
      if (open && open.kind === 'delete') return reply.status(202).send();
      if (open) throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
      await startOperation(row.id, 'delete', 'DELETING', {});
      return reply.status(202).send();
    },
  );

  app.post<{ Params: Static<typeof idParams>; Body: Static<typeof actionBody> }>(
    '/v1.0/:tenant_id/instances/:id/action',
    {
      schema: {
        tags,
        summary: 'Act on an instance: restart, or (admins) reset_status',
        params: idParams,
        body: actionBody,
      },
    },
    async (request, reply) => {
      const row = await load(request.params.tenant_id, request.params.id);
      if ('reset_status' in request.body) {
        // Trove's way out of a stuck state: no task, status unknown (shown as ERROR), open operations failed.
        const reason = new OperationInterrupted({
          kind: 'open',
          instance: row.id,
          step: 'any',
          reason: 'an administrator reset the instance status',
        });
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('instances')
            .set({ task_status: 'NONE', updated_at: now() })
            .where('id', '=', row.id)
            .execute();
          await trx
            .updateTable('service_statuses')
            .set({ status: 'unknown', updated_at: now() })
            .where('instance_id', '=', row.id)
            .execute();
          await trx
            .updateTable('operations')
            .set({
              status: 'failed',
              secrets: null,
              error_code: reason.code,
              error_message: reason.message,
              updated_at: now(),
            })
            .where('instance_id', '=', row.id)
            .where('status', 'in', ['pending', 'running'])
            .execute();
        });
        return reply.status(202).send();
      }
      if (!canPerformAction(statusOf(row, new Date(), deps.heartbeatExpiry))) {
        throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
      }
      await startOperation(row.id, 'restart', 'REBOOTING', {});
      return reply.status(202).send();
    },
  );
}
