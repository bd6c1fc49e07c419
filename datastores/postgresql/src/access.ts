// Which users may use which databases: granted on the database and on its schema public, revoked
// from both, and read back from the databases' ACLs.

import { NotFound, type DatabaseSpec, type UserRef } from '@cellar/plugin-api';
import type { Catalog } from './catalog.js';
import { ident } from './sql.js';

/**
 * Everything on the database, and on its schema public: since PostgreSQL 15 PUBLIC may no
 * longer create there, so without it the user could connect but not create a table.
 */
export async function grant(
  catalog: Catalog,
  user: string,
  databases: readonly string[],
): Promise<void> {
  for (const database of databases) {
    await catalog.sql.query(
      `GRANT ALL PRIVILEGES ON DATABASE ${ident(database)} TO ${ident(user)}`,
    );
    await catalog.sql.onPublicSchema(database, `GRANT ALL ON SCHEMA public TO ${ident(user)}`);
  }
}

export async function grantAccess(
  catalog: Catalog,
  user: UserRef,
  databases: readonly string[],
): Promise<void> {
  const name = await catalog.existingUser(user.name);
  for (const database of databases) catalog.names.checkDatabase(database);
  for (const database of databases) {
    if (!(await catalog.databaseExists(database)))
      throw new NotFound({ resource: 'Database', id: database });
  }
  await grant(catalog, name, databases);
}

export async function revokeAccess(
  catalog: Catalog,
  user: UserRef,
  database: string,
): Promise<void> {
  const name = await catalog.existingUser(user.name);
  catalog.names.checkDatabase(database);
  if (!(await catalog.accessOf(name)).some((d) => d.name === database)) {
    throw new NotFound({ resource: `User ${name}'s access to database`, id: database });
  }
  await catalog.sql.query(
    `REVOKE ALL PRIVILEGES ON DATABASE ${ident(database)} FROM ${ident(name)}`,
  );
  await catalog.sql.onPublicSchema(database, `REVOKE ALL ON SCHEMA public FROM ${ident(name)}`);
}

export async function listAccess(catalog: Catalog, user: UserRef): Promise<DatabaseSpec[]> {
  return catalog.accessOf(await catalog.existingUser(user.name));
}
