// An instance's databases, users, their access, and root over HTTP: each route is its schema
// and one call into the services (instances/databases.ts, users.ts, user-access.ts, root.ts).
// Trove answers 202 to most of these; Cellar waits for the guest, so a failure reaches the
// caller as the guest's own error instead of vanishing.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createDatabases, deleteDatabase, listDatabases } from '../../instances/databases.js';
import type { InstanceDeps } from '../../instances/deps.js';
import { databaseBody, userBody } from '../../instances/requests.js';
import { disableRoot, enableRoot, rootEnabled } from '../../instances/root.js';
import { grantAccess, listAccess, revokeAccess } from '../../instances/user-access.js';
import {
  changePasswords,
  createUsers,
  deleteUser,
  listUsers,
  showUser,
  updateUser,
} from '../../instances/users.js';
import { caller, projectScope } from '../auth.js';
import { idParams, pageQuery } from './params.js';

const nameParams = Type.Object({ ...idParams.properties, name: Type.String() });
const accessParams = Type.Object({ ...nameParams.properties, database: Type.String() });
const closed = { additionalProperties: false } as const;
const databasesBody = Type.Object({ databases: Type.Array(databaseBody, { minItems: 1 }) }, closed);
const usersBody = Type.Object({ users: Type.Array(userBody, { minItems: 1 }) }, closed);
const passwordsBody = Type.Object(
  {
    users: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 1 }),
          host: Type.Optional(Type.String()),
        },
        closed,
      ),
      { minItems: 1 },
    ),
  },
  closed,
);
const userUpdateBody = Type.Object(
  {
    user: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String({ minLength: 1 })),
        host: Type.Optional(Type.String()),
        rules: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
      },
      { ...closed, minProperties: 1 },
    ),
  },
  closed,
);
const grantBody = Type.Object(
  {
    databases: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) }, closed), {
      minItems: 1,
    }),
  },
  closed,
);
const rootBody = Type.Union([
  Type.Object({ password: Type.Optional(Type.String({ minLength: 1 })) }, closed),
  Type.Null(),
]);

const tags = ['databases and users'];

/** The instance a route's path names, within the caller's reach (every project for an admin). */
const ref = (request: FastifyRequest, params: { id: string }) => ({
  tenant: projectScope(request),
  id: params.id,
});

export function guestResourceRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1.0/:tenant_id/instances/:id';
  const id = { tags, params: idParams };
  const named = { tags, params: nameParams };

  app.get(
    `${base}/databases`,
    { schema: { ...id, summary: "List an instance's databases", querystring: pageQuery } },
    async (request) => ({
      databases: await listDatabases(
        deps,
        caller(request),
        ref(request, request.params),
        request.query,
      ),
    }),
  );
  app.post(
    `${base}/databases`,
    { schema: { ...id, summary: 'Create databases', body: databasesBody } },
    async (request, reply) => {
      await createDatabases(
        deps,
        caller(request),
        ref(request, request.params),
        request.body.databases,
      );
      return reply.status(202).send();
    },
  );
  app.delete(
    `${base}/databases/:name`,
    { schema: { ...named, summary: 'Delete a database' } },
    async (request, reply) => {
      await deleteDatabase(
        deps,
        caller(request),
        ref(request, request.params),
        request.params.name,
      );
      return reply.status(202).send();
    },
  );

  userRoutes(parent, deps, base);
  accessRoutes(parent, deps, base, named);
  rootRoutes(parent, deps, base, id);
}

function userRoutes(parent: FastifyInstance, deps: InstanceDeps, base: string): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const id = { tags, params: idParams };
  const named = { tags, params: nameParams };
  app.get(
    `${base}/users`,
    { schema: { ...id, summary: "List an instance's users", querystring: pageQuery } },
    async (request) => ({
      users: await listUsers(deps, caller(request), ref(request, request.params), request.query),
    }),
  );
  app.post(
    `${base}/users`,
    { schema: { ...id, summary: 'Create users', body: usersBody } },
    async (request, reply) => {
      await createUsers(deps, caller(request), ref(request, request.params), request.body.users);
      return reply.status(202).send();
    },
  );
  app.put(
    `${base}/users`,
    { schema: { ...id, summary: "Change users' passwords", body: passwordsBody } },
    async (request, reply) => {
      await changePasswords(
        deps,
        caller(request),
        ref(request, request.params),
        request.body.users,
      );
      return reply.status(202).send();
    },
  );
  app.get(
    `${base}/users/:name`,
    { schema: { ...named, summary: 'Show a user' } },
    async (request) => ({
      user: await showUser(
        deps,
        caller(request),
        ref(request, request.params),
        request.params.name,
      ),
    }),
  );
  app.put(
    `${base}/users/:name`,
    {
      schema: { ...named, summary: "Change a user's name, host or password", body: userUpdateBody },
    },
    async (request, reply) => {
      const { params, body } = request;
      await updateUser(deps, caller(request), ref(request, params), params.name, body.user);
      return reply.status(202).send();
    },
  );
  app.delete(
    `${base}/users/:name`,
    { schema: { ...named, summary: 'Delete a user' } },
    async (request, reply) => {
      await deleteUser(deps, caller(request), ref(request, request.params), request.params.name);
      return reply.status(202).send();
    },
  );
}

function accessRoutes(
  app: FastifyInstance,
  deps: InstanceDeps,
  base: string,
  named: { tags: string[]; params: typeof nameParams },
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    `${base}/users/:name/databases`,
    { schema: { ...named, summary: "List a user's databases" } },
    async (request) => ({
      databases: await listAccess(
        deps,
        caller(request),
        ref(request, request.params),
        request.params.name,
      ),
    }),
  );
  typed.put(
    `${base}/users/:name/databases`,
    { schema: { ...named, summary: 'Grant a user access to databases', body: grantBody } },
    async (request, reply) => {
      const { params, body } = request;
      const names = body.databases.map((d) => d.name);
      await grantAccess(deps, caller(request), ref(request, params), params.name, names);
      return reply.status(202).send();
    },
  );
  typed.delete(
    `${base}/users/:name/databases/:database`,
    {
      schema: {
        tags: named.tags,
        summary: "Revoke a user's access to a database",
        params: accessParams,
      },
    },
    async (request, reply) => {
      const { params } = request;
      await revokeAccess(deps, caller(request), ref(request, params), params.name, params.database);
      return reply.status(202).send();
    },
  );
}

function rootRoutes(
  app: FastifyInstance,
  deps: InstanceDeps,
  base: string,
  id: { tags: string[]; params: typeof idParams },
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    `${base}/root`,
    { schema: { ...id, summary: 'Whether root was ever enabled' } },
    async (request) => ({ rootEnabled: await rootEnabled(deps, ref(request, request.params)) }),
  );
  typed.post(
    `${base}/root`,
    { schema: { ...id, summary: 'Enable root', body: rootBody } },
    async (request) => ({
      user: await enableRoot(
        deps,
        caller(request),
        ref(request, request.params),
        request.body?.password,
      ),
    }),
  );
  typed.delete(
    `${base}/root`,
    { schema: { ...id, summary: 'Disable root' } },
    async (request, reply) => {
      await disableRoot(deps, caller(request), ref(request, request.params));
      return reply.status(204).send();
    },
  );
}
