// Databases through the API: created with a character set and collation (Trove's defaults, checked
// against the server's own table), listed without the system schemas, dropped with their grants.

import {
  AlreadyExists,
  BadRequest,
  NotFound,
  paginate,
  type DatabaseSpec,
  type ListParams,
  type Page,
} from '@cellar/plugin-api';
import { sqlCode } from './admin-session.js';
import type { Catalog } from './catalog.js';
import { byName } from './names.js';
import { grantDatabase, ident } from './sql.js';

/** Trove's defaults: `utf8` and `utf8_general_ci`, which MariaDB 10.11 and MySQL 8 call utf8mb3. */
export const DEFAULT_CHARACTER_SET = 'utf8mb3';
export const DEFAULT_COLLATION = 'utf8mb3_general_ci';

/** Trove's `utf8…` names as the server calls them today. */
const current = (name: string): string => name.replace(/^utf8(?!mb)/i, 'utf8mb3').toLowerCase();

/**
 * The character set and collation a database is created with: Trove's defaults when neither is
 * given, the set's default collation or the collation's set when one is, and both checked.
 */
export async function charsetOf(
  catalog: Catalog,
  database: DatabaseSpec,
): Promise<{ characterSet: string; collate: string }> {
  if (database.characterSet === undefined && database.collate === undefined)
    return { characterSet: DEFAULT_CHARACTER_SET, collate: DEFAULT_COLLATION };
  const set = database.characterSet === undefined ? null : current(database.characterSet);
  const collation = database.collate === undefined ? null : current(database.collate);
  const rows = await catalog.sql.query<{ characterSet: string; collation: string }>(
    `SELECT CHARACTER_SET_NAME AS characterSet, COLLATION_NAME AS \`collation\` FROM information_schema.COLLATIONS
     WHERE (? IS NULL OR CHARACTER_SET_NAME = ?) AND (COLLATION_NAME = ? OR (? IS NULL AND IS_DEFAULT = 'Yes'))`,
    [set, set, collation, collation],
  );
  const found = rows[0];
  if (found === undefined)
    throw new BadRequest({
      reason: `Unknown character set or collation, or a collation of another set: ${database.characterSet ?? '(default)'} / ${database.collate ?? '(default)'}.`,
    });
  return { characterSet: String(found.characterSet), collate: String(found.collation) };
}

/** skipExisting: a repeated prepare finds what the first one created and goes on. */
export async function createDatabases(
  catalog: Catalog,
  databases: readonly DatabaseSpec[],
  skipExisting: boolean,
): Promise<void> {
  for (const database of databases) catalog.names.checkDatabase(database.name);
  const todo: { name: string; characterSet: string; collate: string }[] = [];
  for (const database of new Map(databases.map((d) => [d.name, d])).values()) {
    if (await catalog.databaseExists(database.name)) {
      if (!skipExisting) throw new AlreadyExists({ resource: 'Database', name: database.name });
      continue;
    }
    todo.push({ name: database.name, ...(await charsetOf(catalog, database)) });
  }
  for (const database of todo) {
    try {
      await catalog.sql.query(`CREATE DATABASE ${ident(database.name)} CHARACTER SET ? COLLATE ?`, [
        database.characterSet,
        database.collate,
      ]);
    } catch (error) {
      if (sqlCode(error) === 'ER_DB_CREATE_EXISTS')
        throw new AlreadyExists({ resource: 'Database', name: database.name });
      throw error;
    }
  }
}

export async function listDatabases(
  catalog: Catalog,
  params: ListParams,
): Promise<Page<DatabaseSpec>> {
  const rows = await catalog.sql.query<{ name: string; characterSet: string; collation: string }>(
    `SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS characterSet,
       DEFAULT_COLLATION_NAME AS \`collation\` FROM information_schema.SCHEMATA`,
  );
  const databases = rows
    .map((r) => ({
      name: String(r.name),
      characterSet: String(r.characterSet),
      collate: String(r.collation),
    }))
    .filter((d) => !catalog.names.ignoredDatabase(d.name))
    .sort((a, b) => byName(a.name, b.name));
  return paginate(databases, params, (d) => d.name);
}

/**
 * Drops a database and the grants on it: left behind, they would give its users the next
 * database of the same name.
 */
export async function deleteDatabase(catalog: Catalog, database: DatabaseSpec): Promise<void> {
  const name = catalog.names.checkDatabase(database.name);
  if (!(await catalog.databaseExists(name))) throw new NotFound({ resource: 'Database', id: name });
  try {
    await catalog.sql.query(`DROP DATABASE ${ident(name)}`);
  } catch (error) {
    if (sqlCode(error) === 'ER_DB_DROP_EXISTS')
      throw new NotFound({ resource: 'Database', id: name });
    throw error;
  }
  for (const user of await catalog.grantees(name)) {
    await catalog.sql.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(name)}.* FROM ?@?`, [
      user.name,
      user.host,
    ]);
  }
}
