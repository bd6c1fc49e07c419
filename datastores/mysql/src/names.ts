// The names the guest guards: its own account, root, the server's system accounts and schemas are
// never listed, changed or dropped through the API; every other name is checked, then quoted.

import { BadRequest, type UserRef } from '@cellar/plugin-api';
import { ADMIN_USER, BACKUP_USER, ROOT_USER } from './config.js';
import { REPL_USER } from './replication/account.js';
import { checkName, MAX_DATABASE_CHARS, MAX_HOST_CHARS, MAX_USER_CHARS } from './sql.js';

/** Accounts the server itself keeps, whatever ignore_users says. */
const SYSTEM_USERS = [
  ADMIN_USER,
  BACKUP_USER,
  REPL_USER,
  ROOT_USER,
  'mariadb.sys',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
  'PUBLIC',
];
/** Schemas the server itself keeps, whatever ignore_dbs says. */
const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export const DEFAULT_HOST = '%';

export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The key accounts are sorted and paged by, as Trove's `name@host`. */
export const accountKey = (user: { name: string; host?: string }): string =>
  `${user.name}@${user.host ?? DEFAULT_HOST}`;

export interface Reserved {
  readonly ignore_dbs: readonly string[];
  readonly ignore_users: readonly string[];
}

export interface Account {
  readonly name: string;
  readonly host: string;
}

export class Names {
  constructor(private readonly reserved: Reserved) {}

  ignoredDatabase(name: string): boolean {
    return SYSTEM_DATABASES.includes(name) || this.reserved.ignore_dbs.includes(name);
  }

  ignoredUser(name: string): boolean {
    return SYSTEM_USERS.includes(name) || this.reserved.ignore_users.includes(name);
  }

  checkDatabase(name: string): string {
    checkName('Database', name, MAX_DATABASE_CHARS);
    if (this.ignoredDatabase(name))
      throw new BadRequest({
        reason: `Database ${name} is reserved for the server and cannot be used through this operation.`,
      });
    return name;
  }

  /** A user the API may act on, with its host (`%` when not given). */
  checkUser(user: UserRef): Account {
    const { name } = user;
    const host = user.host ?? DEFAULT_HOST;
    checkName('User', name, MAX_USER_CHARS);
    checkName('Host', host, MAX_HOST_CHARS);
    if (name === ROOT_USER)
      throw new BadRequest({ reason: 'User root is managed through the root operations.' });
    if (this.ignoredUser(name))
      throw new BadRequest({
        reason: `User ${name} is reserved for the server and cannot be used through this operation.`,
      });
    return { name, host };
  }
}
