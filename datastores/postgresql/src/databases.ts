// Databases through the API: created with their encoding and collation and closed to PUBLIC,
// listed without the guest's own and the templates, dropped even while sessions use them.

import {
  AlreadyExists,
  BadRequest,
  NotFound,
  paginate,
  type DatabaseSpec,
  type ListParams,
  type Page,
} from '@cellar/plugin-api';
import { message, pgCode } from './admin-session.js';
import type { Catalog } from './catalog.js';
import { byName } from './names.js';
import { ident, literal } from './sql.js';

/** CREATE DATABASE's clauses for a requested encoding and collation (template0 allows both). */
function createClauses(database: DatabaseSpec): string[] {
  const { characterSet, collate } = database;
  return [
    ...(characterSet !== undefined || collate !== undefined ? ['TEMPLATE template0'] : []),
    ...(characterSet !== undefined ? [`ENCODING ${literal(characterSet)}`] : []),
    ...(collate !== undefined
      ? [`LC_COLLATE ${literal(collate)} LC_CTYPE ${literal(collate)}`]
      : []),
  ];
}

/** skipExisting: a repeated prepare finds what the first one created and goes on. */
export async function createDatabases(
  catalog: Catalog,
  databases: readonly DatabaseSpec[],
  skipExisting: boolean,
): Promise<void> {
  const { sql, names } = catalog;
  for (const database of databases) names.checkDatabase(database.name);
  const wanted = [...new Map(databases.map((d) => [d.name, d])).values()];
  const todo: DatabaseSpec[] = [];
  for (const database of wanted) {
    if (!(await catalog.databaseExists(database.name))) todo.push(database);
    else if (!skipExisting) throw new AlreadyExists({ resource: 'Database', name: database.name });
  }
  for (const database of todo) {
    const clauses = createClauses(database);
    try {
      await sql.query(`CREATE DATABASE ${ident(database.name)} ${clauses.join(' ')}`.trim());
    } catch (error) {
      const code = pgCode(error);
      if (code === '42P04') throw new AlreadyExists({ resource: 'Database', name: database.name });
      // An unknown encoding or locale, or the two not matching.
      if (code?.startsWith('22') === true || code?.startsWith('42') === true)
        throw new BadRequest({ reason: message(error) }, { cause: error });
      throw error;
    }
    // Only users granted access may connect: PUBLIC's default CONNECT and TEMP would let every user in.
    await sql.query(`REVOKE ALL ON DATABASE ${ident(database.name)} FROM PUBLIC`);
  }
}

export async function listDatabases(
  catalog: Catalog,
  params: ListParams,
): Promise<Page<DatabaseSpec>> {
  const { rows } = await catalog.sql.query<{ name: string; encoding: string; collate: string }>(
    `SELECT datname AS name, pg_encoding_to_char(encoding) AS encoding, datcollate AS collate
     FROM pg_database WHERE NOT datistemplate AND datallowconn`,
  );
  const databases = rows
    .filter((r) => !catalog.names.ignoredDatabase(r.name))
    .sort((a, b) => byName(a.name, b.name))
    .map((r): DatabaseSpec => ({ name: r.name, characterSet: r.encoding, collate: r.collate }));
  return paginate(databases, params, (d) => d.name);
}

/** Drops a database, ending its sessions first; major is the server's major version. */
export async function deleteDatabase(
  catalog: Catalog,
  database: DatabaseSpec,
  major: number,
): Promise<void> {
  const { sql } = catalog;
  const name = catalog.names.checkDatabase(database.name);
  if (!(await catalog.databaseExists(name))) throw new NotFound({ resource: 'Database', id: name });
  try {
    if (major >= 13) {
      await sql.query(`DROP DATABASE ${ident(name)} WITH (FORCE)`);
    } else {
      await sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        name,
      ]);
      await sql.query(`DROP DATABASE ${ident(name)}`);
    }
  } catch (error) {
    if (pgCode(error) === '3D000') throw new NotFound({ resource: 'Database', id: name });
    throw error;
  }
}
