// What a request to create or change an instance may hold, as TypeBox schemas that the API
// validates bodies with and the services take their input types from; databases' and users'
// mapping to the guest's specs, and the datastore's naming rules.

import { Type, type Static } from '@sinclair/typebox';
import type { DatabaseSpec, NameRule, UserSpec } from '@cellar/plugin-api';

export const databaseBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    character_set: Type.Optional(Type.String()),
    collate: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const userBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    host: Type.Optional(Type.String()),
    /** The datastore's own access rules (Redis ACL rules); a datastore without them ignores it. */
    rules: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    databases: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const toDatabaseSpec = (d: Static<typeof databaseBody>): DatabaseSpec => ({
  name: d.name,
  ...(d.character_set ? { characterSet: d.character_set } : {}),
  ...(d.collate ? { collate: d.collate } : {}),
});

export const toUserSpec = (u: Static<typeof userBody>): UserSpec & { password: string } => ({
  name: u.name,
  password: u.password,
  ...(u.host ? { host: u.host } : {}),
  ...(u.rules ? { rules: u.rules } : {}),
  ...(u.databases ? { databases: u.databases } : {}),
});

/** Every way `name` breaks the datastore's rule for a database or user name, each naming `field`. */
export function nameProblems(
  kind: 'database' | 'user',
  field: string,
  name: string,
  rule: NameRule | undefined,
  datastore: string,
): string[] {
  if (!rule) return [];
  const problems: string[] = [];
  if (name.length > rule.maxLength)
    problems.push(
      `${field}: '${name}' is longer than the ${rule.maxLength} characters a ${datastore} ${kind} name may have`,
    );
  if (!rule.pattern.test(name))
    problems.push(
      `${field}: '${name}' is not a valid ${datastore} ${kind} name (it must match ${String(rule.pattern)})`,
    );
  if (rule.reserved?.includes(name))
    problems.push(`${field}: '${name}' is reserved by ${datastore}`);
  return problems;
}

const cidr = Type.String({
  pattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$|^[0-9a-fA-F:]+/\\d{1,3}$',
});
export const accessBody = Type.Object(
  { is_public: Type.Optional(Type.Boolean()), allowed_cidrs: Type.Optional(Type.Array(cidr)) },
  { additionalProperties: false },
);

/**
 * Trove's `restorePoint.backupRef`, and Cellar's point in time: `restore_time` replays to that
 * moment from the latest full backup of `instance` (or of backupRef's instance) finished before it.
 */
export const restorePointBody = Type.Object(
  {
    backupRef: Type.Optional(Type.String({ minLength: 1 })),
    restore_time: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          "Replay to this moment; where the datastore archives for it, it must lie inside a span of the source's recoverable_window (400 otherwise)",
      }),
    ),
    instance: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The instance whose backups restore_time replays, even one since deleted',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RestorePointRequest = Static<typeof restorePointBody>;

const instanceName = Type.String({ minLength: 1, maxLength: 255, pattern: '[A-Za-z0-9]' });

/** `instance` of POST /instances: Trove's fields; those Cellar cannot honour are refused. */
export const createInstanceRequest = Type.Object(
  {
    name: instanceName,
    // Required unless replica_of: a replica takes its source's flavor by default.
    flavorRef: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer()])),
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
    access: Type.Optional(accessBody),
    availability_zone: Type.Optional(Type.String()),
    nics: Type.Optional(Type.Array(Type.Record(Type.String(), Type.String()), { maxItems: 1 })),
    locality: Type.Optional(Type.Union([Type.Literal('affinity'), Type.Literal('anti-affinity')])),
    region_name: Type.Optional(Type.String()),
    restorePoint: Type.Optional(restorePointBody),
    configuration: Type.Optional(Type.String()),
    replica_of: Type.Optional(Type.String()),
    replica_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    modules: Type.Optional(Type.Array(Type.Object({ id: Type.String() }))),
  },
  { additionalProperties: false },
);
export type CreateInstanceRequest = Static<typeof createInstanceRequest>;

/** `instance` of PUT /instances/{id}. */
export const updateInstanceRequest = Type.Object(
  {
    name: Type.Optional(instanceName),
    access: Type.Optional(accessBody),
    /** Trove's attach (a group id) and detach (null) of a configuration group. */
    configuration: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    // Any value detaches the replica, as Trove (slave_of is its older name).
    replica_of: Type.Optional(Type.Union([Type.Null(), Type.String()])),
    slave_of: Type.Optional(Type.Union([Type.Null(), Type.String()])),
  },
  { additionalProperties: false },
);
export type UpdateInstanceRequest = Static<typeof updateInstanceRequest>;
