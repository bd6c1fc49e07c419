// The root user: a superuser role enabled with a given or generated password, and disabled by
// taking its power, login and password away while keeping the role and what it owns.

import type { UserSpec } from '@cellar/plugin-api';
import type { Catalog } from './catalog.js';
import { ROOT_USER } from './names.js';
import { ident } from './sql.js';
import { passwordLiteral } from './users.js';

export async function enableRootWithPassword(
  catalog: Catalog,
  password: string,
): Promise<UserSpec> {
  const verb = (await catalog.roleExists(ROOT_USER)) ? 'ALTER' : 'CREATE';
  await catalog.sql.query(
    `${verb} ROLE ${ident(ROOT_USER)} WITH SUPERUSER LOGIN PASSWORD ${passwordLiteral(password)}`,
  );
  return { name: ROOT_USER, password };
}

/** Whatever root created stays, owned by it, and enabling root again gives it back. */
export async function disableRoot(catalog: Catalog): Promise<void> {
  if (!(await catalog.roleExists(ROOT_USER))) return;
  await catalog.sql.query(`ALTER ROLE ${ident(ROOT_USER)} WITH NOSUPERUSER NOLOGIN PASSWORD NULL`);
  await catalog.sql.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
    [ROOT_USER],
  );
}

export async function isRootEnabled(catalog: Catalog): Promise<boolean> {
  const { rows } = await catalog.sql.query<{ enabled: boolean }>(
    'SELECT rolsuper AND rolcanlogin AS enabled FROM pg_roles WHERE rolname = $1',
    [ROOT_USER],
  );
  return rows[0]?.enabled === true;
}
