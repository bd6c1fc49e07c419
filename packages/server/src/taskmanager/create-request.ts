// What a create operation keeps to run or resume, and how: the databases and users in the clear,
// their passwords and the root password sealed with the control key in the operation's secrets.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { DatabaseSpec, UserSpec } from '@cellar/plugin-api';
import type { RestoreRequest } from '../backups/restore-point.js';
import { seal, unseal } from '../secrets.js';

/** What the API records in a create operation; the root password is sealed with the control key. */
export interface CreateRequest {
  readonly databases: readonly DatabaseSpec[];
  readonly users: readonly (UserSpec & { readonly password: string })[];
  readonly sealedRootPassword?: string;
  /** The backup to restore the new instance from (with its chain), and the time to replay to. */
  readonly restore?: RestoreRequest;
}

/** What the create steps use: the request with its secrets in hand. */
export interface CreateArguments {
  readonly databases: readonly DatabaseSpec[];
  readonly users: readonly (UserSpec & { readonly password: string })[];
  readonly rootPassword?: string;
  readonly restore?: RestoreRequest;
}

const databaseSpec = Type.Object({
  name: Type.String(),
  characterSet: Type.Optional(Type.String()),
  collate: Type.Optional(Type.String()),
});

const userSpec = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
  databases: Type.Optional(Type.Array(databaseSpec)),
  rules: Type.Optional(Type.String()),
});

const restoreRequest = Type.Object({
  backupId: Type.String(),
  restoreTime: Type.Optional(Type.String()),
});

/** What the API hands over: every user with a password. */
const createRequest = Type.Object({
  databases: Type.Array(databaseSpec),
  users: Type.Array(Type.Intersect([userSpec, Type.Object({ password: Type.String() })])),
  sealedRootPassword: Type.Optional(Type.String()),
  restore: Type.Optional(restoreRequest),
});

/**
 * The stored arguments. `password` and `sealedRootPassword` are only in operations recorded by
 * earlier versions, before the secrets were kept apart; an open one of those still resumes.
 */
const storedCreate = Type.Object({
  databases: Type.Array(databaseSpec),
  users: Type.Array(
    Type.Intersect([userSpec, Type.Object({ password: Type.Optional(Type.String()) })]),
  ),
  sealedRootPassword: Type.Optional(Type.String()),
  restore: Type.Optional(restoreRequest),
});

/** The sealed part: each user's password, in the order of `users`, and the root password. */
const createSecrets = Type.Object({
  users: Type.Array(Type.String()),
  root: Type.Optional(Type.String()),
});

/** JSON read back from the control database, checked against what was written. */
function readBack<T extends TSchema>(schema: T, json: string, what: string): Static<T> {
  const value: unknown = JSON.parse(json);
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  throw new Error(`${what} is not what was stored: ${first?.path ?? ''} ${first?.message ?? ''}`);
}

/** A create request as the operation stores it: `secrets` sealed, `null` when there are none. */
export function storeCreateRequest(
  controlKey: string,
  given: object,
): { readonly request: string; readonly secrets: string | null } {
  if (!Value.Check(createRequest, given)) {
    const first = Value.Errors(createRequest, given).First();
    throw new TypeError(`not a create request: ${first?.path ?? ''} ${first?.message ?? ''}`);
  }
  const request: CreateRequest = given;
  const stored: Static<typeof storedCreate> = {
    databases: [...request.databases],
    users: request.users.map((u) => ({
      name: u.name,
      ...(u.host === undefined ? {} : { host: u.host }),
      ...(u.databases === undefined ? {} : { databases: [...u.databases] }),
      ...(u.rules === undefined ? {} : { rules: u.rules }),
    })),
    ...(request.restore === undefined ? {} : { restore: { ...request.restore } }),
  };
  const secrets: Static<typeof createSecrets> = {
    users: request.users.map((u) => u.password),
    ...(request.sealedRootPassword === undefined
      ? {}
      : { root: unseal(controlKey, request.sealedRootPassword) }),
  };
  const none = secrets.users.length === 0 && secrets.root === undefined;
  return {
    request: JSON.stringify(stored),
    secrets: none ? null : seal(controlKey, JSON.stringify(secrets)),
  };
}

/** A stored create's arguments with its secrets unsealed, as a resumed operation needs them. */
export function createArguments(
  controlKey: string,
  operation: { readonly id: string; readonly request: string; readonly secrets: string | null },
): CreateArguments {
  const stored = readBack(storedCreate, operation.request, `operation ${operation.id}`);
  const secrets =
    operation.secrets === null
      ? undefined
      : readBack(
          createSecrets,
          unseal(controlKey, operation.secrets),
          `the secrets of operation ${operation.id}`,
        );
  const users = stored.users.map(({ password, ...user }, i) => {
    const secret = secrets?.users[i] ?? password;
    if (secret === undefined)
      throw new Error(`operation ${operation.id} has no password left for user ${user.name}`);
    return { ...user, password: secret };
  });
  const root =
    secrets?.root ??
    (stored.sealedRootPassword === undefined
      ? undefined
      : unseal(controlKey, stored.sealedRootPassword));
  return {
    databases: stored.databases,
    users,
    ...(root === undefined ? {} : { rootPassword: root }),
    ...(stored.restore === undefined ? {} : { restore: stored.restore }),
  };
}

/**
 * The stored arguments of an ended operation, without any password an earlier version left in
 * them; `undefined` when there is none to take out.
 */
export function withoutLegacyPasswords(request: string): string | undefined {
  if (!request.includes('"password"') && !request.includes('"sealedRootPassword"'))
    return undefined;
  const parsed: unknown = JSON.parse(request);
  if (!Value.Check(storedCreate, parsed)) return undefined;
  return JSON.stringify({
    databases: parsed.databases,
    users: parsed.users.map(({ password: _password, ...user }) => user),
  });
}

/** The restore a stored create request carries, if any: read without its secrets. */
export function restoreOf(request: string): RestoreRequest | undefined {
  const parsed: unknown = JSON.parse(request);
  const holder = Type.Object({ restore: Type.Optional(restoreRequest) });
  return Value.Check(holder, parsed) ? parsed.restore : undefined;
}
