// What the server's catalogs say about databases, roles and who may use which database: the
// lookups every database, user and access operation starts from, in the guest's terms.

import { NotFound, type DatabaseSpec } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';
import { byName, type Names } from './names.js';

export class Catalog {
  constructor(
    readonly sql: AdminSession,
    readonly names: Names,
  ) {}

  async databaseExists(name: string): Promise<boolean> {
    return (
      (await this.sql.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
    );
  }

  async roleExists(name: string): Promise<boolean> {
    return (
      (await this.sql.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1
    );
  }

  async userExists(name: string): Promise<boolean> {
    return (
      (await this.sql.query('SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin', [name]))
        .rowCount === 1
    );
  }

  /** A user the API may act on, checked and known to exist. */
  async existingUser(name: string): Promise<string> {
    this.names.checkUser(name);
    if (!(await this.userExists(name))) throw new NotFound({ resource: 'User', id: name });
    return name;
  }

  async loginRoles(): Promise<string[]> {
    const { rows } = await this.sql.query<{ name: string }>(
      "SELECT rolname AS name FROM pg_roles WHERE rolcanlogin AND rolname !~ '^pg_'",
    );
    return rows.map((r) => r.name);
  }

  /** Databases on which each role was granted CONNECT or CREATE (the owner's implicit rights do not count). */
  async accessByUser(user?: string): Promise<Map<string, string[]>> {
    const { rows } = await this.sql.query<{ user: string; database: string }>(
      `SELECT DISTINCT r.rolname AS user, d.datname AS database
       FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
       WHERE NOT d.datistemplate AND a.privilege_type IN ('CONNECT', 'CREATE') AND ($1::name IS NULL OR r.rolname = $1)`,
      [user ?? null],
    );
    const access = new Map<string, string[]>();
    for (const row of rows) {
      if (this.names.ignoredDatabase(row.database)) continue;
      access.set(row.user, [...(access.get(row.user) ?? []), row.database].sort(byName));
    }
    return access;
  }

  async accessOf(user: string): Promise<DatabaseSpec[]> {
    return ((await this.accessByUser(user)).get(user) ?? []).map((name) => ({ name }));
  }
}
