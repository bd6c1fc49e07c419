// What the instance and guest-resource routes both accept for databases and users: the body
// schemas, their mapping to the guest's specs, and the datastore's naming rules.

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
