// The root user: `root`@`%` with every privilege (root_grant, WITH GRANT OPTION as configured),
// enabled with a given or generated password, and disabled by dropping the account.

import { BadRequest, type UserSpec } from '@cellar/plugin-api';
import type { Catalog } from './catalog.js';
import { ROOT_USER } from './config.js';

const ROOT_HOST = '%';
/** Privileges GRANT accepts by name: words and spaces only, so they can be pasted. */
const PRIVILEGE = /^[A-Za-z][A-Za-z ]*$/;

export interface RootOptions {
  readonly root_grant: readonly string[];
  readonly root_grant_option: boolean;
}

export async function enableRootWithPassword(
  catalog: Catalog,
  options: RootOptions,
  password: string,
): Promise<UserSpec> {
  if (password.length === 0 || password.includes('\0'))
    throw new BadRequest({ reason: 'The root password must not be empty or contain NUL.' });
  const privileges = options.root_grant.map((p) => p.trim());
  if (privileges.length === 0 || !privileges.every((p) => PRIVILEGE.test(p)))
    throw new BadRequest({
      reason: `root_grant is not a list of privileges: ${privileges.join(',')}`,
    });
  const account = [ROOT_USER, ROOT_HOST];
  const exists = await catalog.accountExists({ name: ROOT_USER, host: ROOT_HOST });
  await catalog.sql.query(`${exists ? 'ALTER' : 'CREATE'} USER ?@? IDENTIFIED BY ?`, [
    ...account,
    password,
  ]);
  const grantOption = options.root_grant_option ? ' WITH GRANT OPTION' : '';
  await catalog.sql.query(`GRANT ${privileges.join(', ')} ON *.* TO ?@?${grantOption}`, account);
  return { name: ROOT_USER, host: ROOT_HOST, password };
}

/** Drops root and ends its sessions: nothing of it is left to log in with. */
export async function disableRoot(catalog: Catalog): Promise<void> {
  await catalog.sql.query('DROP USER IF EXISTS ?@?', [ROOT_USER, ROOT_HOST]);
  const sessions = await catalog.sql.query<{ id: number }>(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?',
    [ROOT_USER],
  );
  for (const { id } of sessions) await catalog.sql.query('KILL ?', [id]).catch(() => undefined);
}

export async function isRootEnabled(catalog: Catalog): Promise<boolean> {
  return catalog.accountExists({ name: ROOT_USER, host: ROOT_HOST });
}
