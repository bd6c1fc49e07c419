// Which users may use which databases: every privilege on the database granted or revoked, and
// read back from mysql.db. The database is named exactly in grants (its wildcards escaped).

import { NotFound, type DatabaseSpec, type UserRef } from '@cellar/plugin-api';
import type { Catalog } from './catalog.js';
import { accountKey, type Account } from './names.js';
import { grantDatabase } from './sql.js';

export async function grant(
  catalog: Catalog,
  account: Account,
  databases: readonly string[],
): Promise<void> {
  for (const database of databases) {
    await catalog.sql.query(`GRANT ALL PRIVILEGES ON ${grantDatabase(database)}.* TO ?@?`, [
      account.name,
      account.host,
    ]);
  }
}

/** Checks the databases (names, and that they exist) before any is granted. */
export async function existingDatabases(
  catalog: Catalog,
  databases: readonly string[],
): Promise<void> {
  for (const database of databases) catalog.names.checkDatabase(database);
  for (const database of new Set(databases)) {
    if (!(await catalog.databaseExists(database)))
      throw new NotFound({ resource: 'Database', id: database });
  }
}

export async function grantAccess(
  catalog: Catalog,
  user: UserRef,
  databases: readonly string[],
): Promise<void> {
  const account = await catalog.existingUser(user);
  await existingDatabases(catalog, databases);
  await grant(catalog, account, databases);
}

export async function revokeAccess(
  catalog: Catalog,
  user: UserRef,
  database: string,
): Promise<void> {
  const account = await catalog.existingUser(user);
  catalog.names.checkDatabase(database);
  if (!(await catalog.accessOf(account)).some((d) => d.name === database)) {
    throw new NotFound({
      resource: `User ${accountKey(account)}'s access to database`,
      id: database,
    });
  }
  await catalog.sql.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(database)}.* FROM ?@?`, [
    account.name,
    account.host,
  ]);
}

export async function listAccess(catalog: Catalog, user: UserRef): Promise<DatabaseSpec[]> {
  return catalog.accessOf(await catalog.existingUser(user));
}
