// An instance's databases, users, their access, and root: checked here (the capability the
// datastore declares, a ready database, the datastore's naming rules) and carried out by the
// instance's guest. Trove answers 202 to most of these; Cellar waits for the guest, so a
// failure reaches the caller as the guest's own error instead of vanishing.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import {
  DatastoreOperationNotSupported,
  InstanceNotReady,
  NotFound,
  ValidationFailed,
  type Capability,
  type NameRule,
} from '@cellar/plugin-api';
import type { RequestContext } from '@cellar/rpc';
import { now } from '../../db/schema.js';
import { statusOf, type InstanceRow } from '../../instances/views.js';
import { caller } from '../auth.js';
import type { InstanceDeps } from './instances.js';
import { databaseBody, nameProblems, toDatabaseSpec, toUserSpec, userBody } from './bodies.js';
import { loadInstance } from './instance-lookup.js';
import { idParams } from './params.js';

const nameParams = Type.Object({
  tenant_id: Type.String(),
  id: Type.String(),
  name: Type.String(),
});
const accessParams = Type.Object({
  tenant_id: Type.String(),
  id: Type.String(),
  name: Type.String(),
  database: Type.String(),
});
const listQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    marker: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const databasesBody = Type.Object(
  { databases: Type.Array(databaseBody, { minItems: 1 }) },
  { additionalProperties: false },
);
const usersBody = Type.Object(
  { users: Type.Array(userBody, { minItems: 1 }) },
  { additionalProperties: false },
);
const passwordsBody = Type.Object(
  {
    users: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 1 }),
          host: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
const userUpdateBody = Type.Object(
  {
    user: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String({ minLength: 1 })),
        host: Type.Optional(Type.String()),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);
const grantBody = Type.Object(
  {
    databases: Type.Array(
      Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
const rootBody = Type.Union([
  Type.Object(
    { password: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const pageParams = (query: Static<typeof listQuery>): { limit?: number; marker?: string } => ({
  ...(query.limit ? { limit: Number(query.limit) } : {}),
  ...(query.marker ? { marker: query.marker } : {}),
});

/** `name` or `name@host` (URL-decoded by the router). */
function userRef(param: string): { name: string; host?: string } {
  const at = param.lastIndexOf('@');
  return at > 0 ? { name: param.slice(0, at), host: param.slice(at + 1) } : { name: param };
}

export function guestResourceRoutes(app: FastifyInstance, deps: InstanceDeps): void {
  const { db } = deps;

  /** The instance, its guest and the request context, after the checks every route shares. */
  const prepare = async (
    request: FastifyRequest<{ Params: { tenant_id: string; id: string } }>,
    capability: Capability,
    operation: string,
  ) => {
    const row = await loadInstance(db, request.params.tenant_id, request.params.id);
    const policy = deps.datastores.get(row.datastore);
    if (!policy?.capabilities.includes(capability))
      throw new DatastoreOperationNotSupported({ operation, datastore: row.datastore });
    const s = statusOf(row, new Date(), deps.heartbeatExpiry);
    if (!['healthy', 'running'].includes(s.effectiveServiceStatus) || row.task_status !== 'NONE') {
      throw new InstanceNotReady({
        id: row.id,
        status:
          s.effectiveServiceStatus === 'healthy'
            ? `busy (task ${row.task_status})`
            : s.effectiveServiceStatus,
      });
    }
    const auth = caller(request);
    const context: RequestContext = {
      requestId: randomUUID(),
      projectId: auth.projectId,
      userId: auth.userId,
      roles: [...auth.roles],
    };
    return { row, guest: deps.guest(row), context, rules: policy.nameRules };
  };

  const checkNames = (
    kind: 'database' | 'user',
    field: string,
    names: readonly string[],
    rule: NameRule | undefined,
    row: InstanceRow,
  ): void => {
    const problems = names.flatMap((name, i) =>
      nameProblems(kind, `${field}[${i}].name`, name, rule, row.datastore),
    );
    if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });
  };

  const tags = ['databases and users'];
  const base = '/v1.0/:tenant_id/instances/:id';

  app.get<{ Params: Static<typeof idParams>; Querystring: Static<typeof listQuery> }>(
    `${base}/databases`,
    {
      schema: {
        tags,
        summary: "List an instance's databases",
        params: idParams,
        querystring: listQuery,
      },
    },
    async (request) => {
      const { guest, context } = await prepare(request, 'databases', 'list_databases');
      const page = await guest.listDatabases(pageParams(request.query), context);
      return { databases: page.items.map((d) => ({ name: d.name })) };
    },
  );
  app.post<{ Params: Static<typeof idParams>; Body: Static<typeof databasesBody> }>(
    `${base}/databases`,
    { schema: { tags, summary: 'Create databases', params: idParams, body: databasesBody } },
    async (request, reply) => {
      const { row, guest, context, rules } = await prepare(request, 'databases', 'create_database');
      checkNames(
        'database',
        'body.databases',
        request.body.databases.map((d) => d.name),
        rules?.database,
        row,
      );
      await guest.createDatabases(request.body.databases.map(toDatabaseSpec), context);
      return reply.status(202).send();
    },
  );
  app.delete<{ Params: Static<typeof nameParams> }>(
    `${base}/databases/:name`,
    { schema: { tags, summary: 'Delete a database', params: nameParams } },
    async (request, reply) => {
      const { guest, context } = await prepare(request, 'databases', 'delete_database');
      await guest.deleteDatabase(request.params.name, context);
      return reply.status(202).send();
    },
  );

  app.get<{ Params: Static<typeof idParams>; Querystring: Static<typeof listQuery> }>(
    `${base}/users`,
    {
      schema: {
        tags,
        summary: "List an instance's users",
        params: idParams,
        querystring: listQuery,
      },
    },
    async (request) => {
      const { guest, context } = await prepare(request, 'users', 'list_users');
      const page = await guest.listUsers(pageParams(request.query), context);
      return {
        users: page.items.map((u) => ({
          name: u.name,
          host: u.host ?? '%',
          databases: u.databases.map((d) => ({ name: d.name })),
        })),
      };
    },
  );
  app.post<{ Params: Static<typeof idParams>; Body: Static<typeof usersBody> }>(
    `${base}/users`,
    { schema: { tags, summary: 'Create users', params: idParams, body: usersBody } },
    async (request, reply) => {
      const { row, guest, context, rules } = await prepare(request, 'users', 'create_user');
      checkNames(
        'user',
        'body.users',
        request.body.users.map((u) => u.name),
        rules?.user,
        row,
      );
      await guest.createUsers(request.body.users.map(toUserSpec), context);
      return reply.status(202).send();
    },
  );
  app.put<{ Params: Static<typeof idParams>; Body: Static<typeof passwordsBody> }>(
    `${base}/users`,
    { schema: { tags, summary: "Change users' passwords", params: idParams, body: passwordsBody } },
    async (request, reply) => {
      const { guest, context } = await prepare(request, 'users', 'change_passwords');
      await guest.changePasswords(request.body.users, context);
      return reply.status(202).send();
    },
  );
  app.get<{ Params: Static<typeof nameParams> }>(
    `${base}/users/:name`,
    { schema: { tags, summary: 'Show a user', params: nameParams } },
    async (request) => {
      const { guest, context } = await prepare(request, 'users', 'get_user');
      const ref = userRef(request.params.name);
      const user = await guest.getUser(ref.name, ref.host, context);
      if (!user) throw new NotFound({ resource: 'User', id: request.params.name });
      return {
        user: {
          name: user.name,
          host: user.host ?? '%',
          databases: user.databases.map((d) => ({ name: d.name })),
        },
      };
    },
  );
  app.put<{ Params: Static<typeof nameParams>; Body: Static<typeof userUpdateBody> }>(
    `${base}/users/:name`,
    {
      schema: {
        tags,
        summary: "Change a user's name, host or password",
        params: nameParams,
        body: userUpdateBody,
      },
    },
    async (request, reply) => {
      const { row, guest, context, rules } = await prepare(request, 'users', 'update_attributes');
      if (request.body.user.name !== undefined)
        checkNames('user', 'body.user', [request.body.user.name], rules?.user, row);
      await guest.updateAttributes(userRef(request.params.name), request.body.user, context);
      return reply.status(202).send();
    },
  );
  app.delete<{ Params: Static<typeof nameParams> }>(
    `${base}/users/:name`,
    { schema: { tags, summary: 'Delete a user', params: nameParams } },
    async (request, reply) => {
      const { guest, context } = await prepare(request, 'users', 'delete_user');
      const ref = userRef(request.params.name);
      await guest.deleteUser(ref.name, ref.host, context);
      return reply.status(202).send();
    },
  );

  app.get<{ Params: Static<typeof nameParams> }>(
    `${base}/users/:name/databases`,
    { schema: { tags, summary: "List a user's databases", params: nameParams } },
    async (request) => {
      const { guest, context } = await prepare(request, 'user-access', 'list_access');
      return {
        databases: (await guest.listAccess(userRef(request.params.name), context)).map((d) => ({
          name: d.name,
        })),
      };
    },
  );
  app.put<{ Params: Static<typeof nameParams>; Body: Static<typeof grantBody> }>(
    `${base}/users/:name/databases`,
    {
      schema: {
        tags,
        summary: 'Grant a user access to databases',
        params: nameParams,
        body: grantBody,
      },
    },
    async (request, reply) => {
      const { guest, context } = await prepare(request, 'user-access', 'grant_access');
      await guest.grantAccess(
        userRef(request.params.name),
        request.body.databases.map((d) => d.name),
        context,
      );
      return reply.status(202).send();
    },
  );
  app.delete<{ Params: Static<typeof accessParams> }>(
    `${base}/users/:name/databases/:database`,
    { schema: { tags, summary: "Revoke a user's access to a database", params: accessParams } },
    async (request, reply) => {
      const { guest, context } = await prepare(request, 'user-access', 'revoke_access');
      await guest.revokeAccess(userRef(request.params.name), request.params.database, context);
      return reply.status(202).send();
    },
  );

  app.get<{ Params: Static<typeof idParams> }>(
    `${base}/root`,
    { schema: { tags, summary: 'Whether root was ever enabled', params: idParams } },
    async (request) => {
      const row = await loadInstance(db, request.params.tenant_id, request.params.id);
      if (!deps.datastores.get(row.datastore)?.capabilities.includes('root'))
        throw new DatastoreOperationNotSupported({
          operation: 'root_show',
          datastore: row.datastore,
        });
      const record = await db
        .selectFrom('root_history')
        .select('instance_id')
        .where('instance_id', '=', row.id)
        .executeTakeFirst();
      return { rootEnabled: record !== undefined };
    },
  );
  app.post<{ Params: Static<typeof idParams>; Body: Static<typeof rootBody> }>(
    `${base}/root`,
    { schema: { tags, summary: 'Enable root', params: idParams, body: rootBody } },
    async (request) => {
      const { row, guest, context } = await prepare(request, 'root', 'enable_root');
      const user = await guest.enableRoot(request.body?.password, context);
      await db
        .insertInto('root_history')
        .values({ instance_id: row.id, user_id: caller(request).userId, created_at: now() })
        .onConflict((c) => c.doNothing())
        .execute();
      return { user: { name: user.name, password: user.password } };
    },
  );
  app.delete<{ Params: Static<typeof idParams> }>(
    `${base}/root`,
    { schema: { tags, summary: 'Disable root', params: idParams } },
    async (request, reply) => {
      const { row, guest, context } = await prepare(request, 'root', 'disable_root');
      const record = await db
        .selectFrom('root_history')
        .select('instance_id')
        .where('instance_id', '=', row.id)
        .executeTakeFirst();
      if (!record) throw new NotFound({ resource: 'Root history of instance', id: row.id });
      await guest.disableRoot(context);
      return reply.status(204).send();
    },
  );
}
