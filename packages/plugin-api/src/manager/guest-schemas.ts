// TypeBox schemas of the values guest operations take and return (guest-types.ts in Cellar's
// words): the guest checks every RPC argument against them before a manager sees it.

import { Type, type TSchema } from '@sinclair/typebox';
import type { BackupInfo, Json } from './guest-types.js';

export const databaseSchema = Type.Object({
  name: Type.String(),
  characterSet: Type.Optional(Type.String()),
  collate: Type.Optional(Type.String()),
});

export const userSchema = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  databases: Type.Optional(Type.Array(databaseSchema)),
  /** The datastore's own access rules for the user (Redis ACL rules); others ignore it. */
  rules: Type.Optional(Type.String()),
});

export const userPasswordSchema = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
  password: Type.String(),
});
export const userAttributesSchema = Type.Object({
  name: Type.Optional(Type.String()),
  host: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  /** The datastore's own access rules for the user (Redis ACL rules); others ignore it. */
  rules: Type.Optional(Type.String()),
});

export const userRefSchema = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
});

export const userInfoSchema = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
  databases: Type.Array(databaseSchema),
  /** The datastore's own access rules for the user (Redis ACL rules); others ignore it. */
  rules: Type.Optional(Type.String()),
});

export const listParamsSchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  marker: Type.Optional(Type.String()),
  includeMarker: Type.Optional(Type.Boolean()),
});

export const pageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextMarker: Type.Optional(Type.String()) });

/** Any JSON value: what Trove passes through opaquely (replication, modules, upgrades). */
export const jsonSchema = Type.Unsafe<Json>(
  Type.Recursive((self) =>
    Type.Union([
      Type.Null(),
      Type.Boolean(),
      Type.Number(),
      Type.String(),
      Type.Array(self),
      Type.Record(Type.String(), self),
    ]),
  ),
);

export const backupInfoSchema = Type.Unsafe<BackupInfo>(
  Type.Recursive((self) =>
    Type.Object({
      id: Type.String(),
      project: Type.Optional(Type.String()),
      storage: Type.Optional(Type.String()),
      key: Type.Optional(Type.String()),
      location: Type.Optional(Type.String()),
      type: Type.Optional(Type.String()),
      compression: Type.Optional(Type.String()),
      checksum: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
      size: Type.Optional(Type.Integer({ minimum: 0 })),
      meta: Type.Optional(Type.Record(Type.String(), jsonSchema)),
      instanceId: Type.Optional(Type.String()),
      restoreTime: Type.Optional(Type.String()),
      parent: Type.Optional(self),
    }),
  ),
);

export const prepareRequestSchema = Type.Object({
  memoryMb: Type.Integer({ minimum: 1 }),
  mountPoint: Type.Optional(Type.String()),
  databases: Type.Array(databaseSchema),
  users: Type.Array(userSchema),
  rootPassword: Type.Optional(Type.String()),
  backupInfo: Type.Optional(backupInfoSchema),
  configContents: Type.Optional(Type.String()),
  overrides: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  datastoreVersion: Type.Optional(Type.String()),
  allowedCidrs: Type.Optional(Type.Array(Type.String())),
  snapshot: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const serviceStatusSchema = Type.Union([
  Type.Literal('new'),
  Type.Literal('building'),
  Type.Literal('healthy'),
  Type.Literal('running'),
  Type.Literal('shutdown'),
  Type.Literal('paused'),
  Type.Literal('crashed'),
  Type.Literal('failed to spawn'),
  Type.Literal('restart required'),
  Type.Literal('unknown'),
]);

export const filesystemStatsSchema = Type.Object({
  blockSize: Type.Number(),
  totalBlocks: Type.Number(),
  freeBlocks: Type.Number(),
  total: Type.Number(),
  used: Type.Number(),
  free: Type.Number(),
});

export const guestLogSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('USER'), Type.Literal('SYS')]),
  status: Type.String(),
  published: Type.Number(),
  pending: Type.Number(),
  container: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.String()),
  metafile: Type.Optional(Type.String()),
  exposed: Type.Optional(Type.Boolean()),
});

export const guestLogActionSchema = Type.Object({
  logName: Type.String(),
  enable: Type.Optional(Type.Boolean()),
  disable: Type.Optional(Type.Boolean()),
  publish: Type.Optional(Type.Boolean()),
  discard: Type.Optional(Type.Boolean()),
});
