// The names the PostgreSQL guest guards: its own roles and databases, templates, root and pg_*
// are never listed, changed or dropped through the API; every other name is checked, then quoted.

import { BadRequest } from '@cellar/plugin-api';
import { REPLICATION_USER } from './config.js';
import { checkName } from './sql.js';

export const ROOT_USER = 'root';
/** Databases PostgreSQL itself needs; never listed, changed or dropped through the API. */
const TEMPLATES = ['template0', 'template1'];

export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface Reserved {
  readonly ignore_dbs: readonly string[];
  readonly ignore_users: readonly string[];
}

export class Names {
  constructor(private readonly reserved: Reserved) {}

  ignoredDatabase(name: string): boolean {
    return TEMPLATES.includes(name) || this.reserved.ignore_dbs.includes(name);
  }

  ignoredUser(name: string): boolean {
    return (
      name === ROOT_USER || name === REPLICATION_USER || this.reserved.ignore_users.includes(name)
    );
  }

  checkDatabase(name: string): string {
    checkName('Database', name);
    if (this.ignoredDatabase(name))
      throw new BadRequest({
        reason: `Database ${name} is reserved for the guest and cannot be used through this operation.`,
      });
    return name;
  }

  checkUser(name: string): string {
    checkName('User', name);
    if (name === ROOT_USER)
      throw new BadRequest({ reason: 'User root is managed through the root operations.' });
    if (this.ignoredUser(name))
      throw new BadRequest({
        reason: `User ${name} is reserved for the guest and cannot be used through this operation.`,
      });
    if (name.startsWith('pg_'))
      throw new BadRequest({
        reason: `User names starting with pg_ are reserved by PostgreSQL: ${name}.`,
      });
    return name;
  }
}
