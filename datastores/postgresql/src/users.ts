// Users through the API: login roles created with their databases, renamed, given new passwords
// (always as SCRAM verifiers), and dropped with whatever they own handed to the admin role.

import {
  AlreadyExists,
  BadRequest,
  NotFound,
  paginate,
  type ListParams,
  type Page,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import { pgCode } from './admin-session.js';
import { grant } from './access.js';
import type { Catalog } from './catalog.js';
import { ADMIN_USER } from './config.js';
import { byName } from './names.js';
import { scramVerifier } from './scram.js';
import { ident, literal } from './sql.js';

/** A password as a statement carries it: always its SCRAM verifier, never the password. */
export function passwordLiteral(password: string): string {
  if (password.length === 0) throw new BadRequest({ reason: 'A password must not be empty.' });
  return literal(scramVerifier(password));
}

/** skipExisting: a repeated prepare finds what the first one created and goes on. */
export async function createUsers(
  catalog: Catalog,
  users: readonly UserSpec[],
  skipExisting: boolean,
): Promise<void> {
  for (const user of users) {
    catalog.names.checkUser(user.name);
    for (const database of user.databases ?? []) catalog.names.checkDatabase(database.name);
  }
  const todo: UserSpec[] = [];
  for (const user of new Map(users.map((u) => [u.name, u])).values()) {
    if (!(await catalog.roleExists(user.name))) todo.push(user);
    else if (!skipExisting) throw new AlreadyExists({ resource: 'User', name: user.name });
  }
  for (const database of new Set(todo.flatMap((u) => (u.databases ?? []).map((d) => d.name)))) {
    if (!(await catalog.databaseExists(database)))
      throw new NotFound({ resource: 'Database', id: database });
  }
  for (const user of todo) {
    const password =
      user.password !== undefined ? ` PASSWORD ${passwordLiteral(user.password)}` : '';
    try {
      await catalog.sql.query(`CREATE ROLE ${ident(user.name)} WITH LOGIN${password}`);
    } catch (error) {
      if (pgCode(error) === '42710') throw new AlreadyExists({ resource: 'User', name: user.name });
      throw error;
    }
    await grant(
      catalog,
      user.name,
      (user.databases ?? []).map((d) => d.name),
    );
  }
}

export async function listUsers(catalog: Catalog, params: ListParams): Promise<Page<UserInfo>> {
  const names = (await catalog.loginRoles())
    .filter((name) => !catalog.names.ignoredUser(name))
    .sort(byName);
  const access = await catalog.accessByUser();
  const users = names.map((name): UserInfo => ({
    name,
    databases: (access.get(name) ?? []).map((db) => ({ name: db })),
  }));
  return paginate(users, params, (u) => u.name);
}

export async function getUser(catalog: Catalog, user: UserRef): Promise<UserInfo | undefined> {
  const name = catalog.names.checkUser(user.name);
  if (!(await catalog.userExists(name))) return undefined;
  return { name, databases: await catalog.accessOf(name) };
}

export async function deleteUser(catalog: Catalog, user: UserRef): Promise<void> {
  const name = await catalog.existingUser(user.name);
  // No new sessions, none left over, then nothing owned or granted anywhere: DROP ROLE needs that.
  await catalog.sql.query(`ALTER ROLE ${ident(name)} NOLOGIN`);
  try {
    await dropRole(catalog, name);
  } catch (error) {
    // Still there, so still a user the API can see and try again to delete.
    await catalog.sql.query(`ALTER ROLE ${ident(name)} LOGIN`).catch(() => undefined);
    throw error;
  }
}

async function dropRole(catalog: Catalog, name: string): Promise<void> {
  const { sql } = catalog;
  await sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
    name,
  ]);
  const { rows } = await sql.query<{ datname: string | null }>(
    `SELECT DISTINCT d.datname FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
     WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
       AND (d.datname IS NULL OR d.datallowconn)`,
    [name],
  );
  // Shared objects (dbid 0: databases it owns, their grants) are handled from any database.
  const databases = new Set(rows.map((r) => r.datname ?? 'postgres'));
  for (const database of databases) {
    await sql.inSession(
      database,
      `REASSIGN OWNED BY ${ident(name)} TO ${ident(ADMIN_USER)}; DROP OWNED BY ${ident(name)}`,
    );
  }
  await sql.query(`DROP ROLE ${ident(name)}`);
}

export async function changePasswords(
  catalog: Catalog,
  users: readonly (UserRef & { readonly password: string })[],
): Promise<void> {
  for (const user of users) catalog.names.checkUser(user.name);
  for (const user of users) {
    try {
      await catalog.sql.query(
        `ALTER ROLE ${ident(user.name)} PASSWORD ${passwordLiteral(user.password)}`,
      );
    } catch (error) {
      if (pgCode(error) === '42704') throw new NotFound({ resource: 'User', id: user.name });
      throw error;
    }
  }
}

export async function updateAttributes(
  catalog: Catalog,
  user: UserRef,
  attributes: Partial<UserSpec>,
): Promise<void> {
  const name = await catalog.existingUser(user.name);
  const newName =
    attributes.name !== undefined && attributes.name !== name
      ? catalog.names.checkUser(attributes.name)
      : undefined;
  if (newName !== undefined && (await catalog.roleExists(newName)))
    throw new AlreadyExists({ resource: 'User', name: newName });
  const statements = [
    ...(newName !== undefined ? [`ALTER ROLE ${ident(name)} RENAME TO ${ident(newName)}`] : []),
    // After the rename, which would clear an MD5 password (SCRAM ones survive it).
    ...(attributes.password !== undefined
      ? [`ALTER ROLE ${ident(newName ?? name)} PASSWORD ${passwordLiteral(attributes.password)}`]
      : []),
  ];
  // One simple query: its statements run in one implicit transaction, all or nothing.
  if (statements.length > 0) await catalog.sql.query(statements.join('; '));
}
