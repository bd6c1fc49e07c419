// What the server's system tables say about databases, accounts and who may use which database:
// the lookups every database, user and access operation starts from, in the guest's terms.

import { NotFound, type DatabaseSpec, type UserRef } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';
import { accountKey, byName, type Account, type Names } from './names.js';
import { unescapeGrantDatabase } from './sql.js';
import type { Flavor } from './versions.js';

export class Catalog {
  constructor(
    readonly sql: AdminSession,
    readonly names: Names,
    private readonly flavor: () => Flavor,
  ) {}

  async databaseExists(name: string): Promise<boolean> {
    const rows = await this.sql.query(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    return rows.length === 1;
  }

  async accountExists(account: Account): Promise<boolean> {
    const rows = await this.sql.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [
      account.name,
      account.host,
    ]);
    return rows.length === 1;
  }

  /** A user the API may act on, checked and known to exist. */
  async existingUser(user: UserRef): Promise<Account> {
    const account = this.names.checkUser(user);
    if (!(await this.accountExists(account)))
      throw new NotFound({ resource: 'User', id: accountKey(account) });
    return account;
  }

  /** Every account that is not a role, sorted by name and host. */
  async accounts(): Promise<Account[]> {
    // MariaDB keeps roles in mysql.user too; MySQL's have no column saying so.
    const roles = this.flavor() === 'mariadb' ? " WHERE is_role = 'N'" : '';
    const rows = await this.sql.query<{ name: string; host: string }>(
      `SELECT User AS name, Host AS host FROM mysql.user${roles}`,
    );
    return rows
      .map((r) => ({ name: String(r.name), host: String(r.host) }))
      .sort((a, b) => byName(accountKey(a), accountKey(b)));
  }

  /** Databases each account was granted privileges on (by `name@host`), without the ignored ones. */
  async accessByUser(account?: Account): Promise<Map<string, string[]>> {
    const rows = await this.sql.query<{ name: string; host: string; db: string }>(
      'SELECT User AS name, Host AS host, Db AS db FROM mysql.db WHERE ? IS NULL OR (User = ? AND Host = ?)',
      [account?.name ?? null, account?.name ?? null, account?.host ?? null],
    );
    const access = new Map<string, string[]>();
    for (const row of rows) {
      const database = unescapeGrantDatabase(String(row.db));
      if (this.names.ignoredDatabase(database)) continue;
      const key = accountKey({ name: String(row.name), host: String(row.host) });
      access.set(key, [...(access.get(key) ?? []), database].sort(byName));
    }
    return access;
  }

  async accessOf(account: Account): Promise<DatabaseSpec[]> {
    return ((await this.accessByUser(account)).get(accountKey(account)) ?? []).map((name) => ({
      name,
    }));
  }

  /** The accounts granted privileges on a database (named exactly, not by a wildcard). */
  async grantees(database: string): Promise<Account[]> {
    const rows = await this.sql.query<{ name: string; host: string; db: string }>(
      'SELECT User AS name, Host AS host, Db AS db FROM mysql.db',
    );
    return rows
      .filter((r) => unescapeGrantDatabase(String(r.db)) === database)
      .map((r) => ({ name: String(r.name), host: String(r.host) }));
  }
}
