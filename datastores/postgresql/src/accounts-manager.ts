// The databases, users, access and root guest operations of the PostgreSQL manager, which
// extends this class: each delegates to its module over the catalog the manager hands it.

import {
  BaseDatastoreManager,
  generatedPassword,
  type DatabaseSpec,
  type GroupValues,
  type ListParams,
  type Page,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import { grantAccess, listAccess, revokeAccess } from './access.js';
import type { Catalog } from './catalog.js';
import { createDatabases, deleteDatabase, listDatabases } from './databases.js';
import type options from './options.js';
import { disableRoot, enableRootWithPassword, isRootEnabled } from './root.js';
import {
  changePasswords,
  createUsers,
  deleteUser,
  getUser,
  listUsers,
  updateAttributes,
} from './users.js';

export type PostgresqlOptions = GroupValues<typeof options.guest>;

export abstract class AccountsManager extends BaseDatastoreManager<PostgresqlOptions> {
  /** The server's databases and roles, as the manager reads them through its admin session. */
  protected abstract catalog(): Catalog;

  /** The running server's major version, which decides how a database is dropped. */
  protected abstract dataVersion(): number;

  // databases

  override async createDatabase(databases: readonly DatabaseSpec[]): Promise<void> {
    await createDatabases(this.catalog(), databases, false);
  }

  override async listDatabases(params: ListParams): Promise<Page<DatabaseSpec>> {
    return listDatabases(this.catalog(), params);
  }

  override async deleteDatabase(database: DatabaseSpec): Promise<void> {
    await deleteDatabase(this.catalog(), database, this.dataVersion());
  }

  // users

  override async createUser(users: readonly UserSpec[]): Promise<void> {
    await createUsers(this.catalog(), users, false);
  }

  override async listUsers(params: ListParams): Promise<Page<UserInfo>> {
    return listUsers(this.catalog(), params);
  }

  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    return getUser(this.catalog(), user);
  }

  override async deleteUser(user: UserRef): Promise<void> {
    await deleteUser(this.catalog(), user);
  }

  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    await changePasswords(this.catalog(), users);
  }

  override async updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void> {
    await updateAttributes(this.catalog(), user, attributes);
  }

  // user-access

  override async grantAccess(user: UserRef, databases: readonly string[]): Promise<void> {
    await grantAccess(this.catalog(), user, databases);
  }

  override async revokeAccess(user: UserRef, database: string): Promise<void> {
    await revokeAccess(this.catalog(), user, database);
  }

  override async listAccess(user: UserRef): Promise<readonly DatabaseSpec[]> {
    return listAccess(this.catalog(), user);
  }

  // root

  override async enableRoot(): Promise<UserSpec> {
    return this.enableRootWithPassword(
      generatedPassword(this.context.options.default_password_length),
    );
  }

  override async enableRootWithPassword(password: string): Promise<UserSpec> {
    return enableRootWithPassword(this.catalog(), password);
  }

  /**
   * Takes root's superuser power, login and password away and ends its sessions, but keeps the
   * role: whatever root created stays, owned by it, and enabling root again gives it back.
   */
  override async disableRoot(): Promise<void> {
    await disableRoot(this.catalog());
  }

  override async isRootEnabled(): Promise<boolean> {
    return isRootEnabled(this.catalog());
  }
}
