// Users through the API: accounts `name`@`host` created with their databases, renamed, given new
// passwords in place, and dropped. Names, hosts and passwords only ever travel as placeholders.

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
import { sqlCode } from './admin-session.js';
import { existingDatabases, grant } from './access.js';
import type { Catalog } from './catalog.js';
import { accountKey, type Account } from './names.js';

function checkPassword(password: string | undefined): string {
  if (password === undefined || password.length === 0)
    throw new BadRequest({ reason: 'A user needs a password that is not empty.' });
  if (password.includes('\0'))
    throw new BadRequest({ reason: 'A password must not contain NUL characters.' });
  return password;
}

/** skipExisting: a repeated prepare finds what the first one created and goes on. */
export async function createUsers(
  catalog: Catalog,
  users: readonly UserSpec[],
  skipExisting: boolean,
): Promise<void> {
  const wanted = new Map<string, { account: Account; user: UserSpec }>();
  for (const user of users) {
    const account = catalog.names.checkUser(user);
    checkPassword(user.password);
    wanted.set(accountKey(account), { account, user });
  }
  const todo: { account: Account; user: UserSpec }[] = [];
  for (const entry of wanted.values()) {
    if (!(await catalog.accountExists(entry.account))) todo.push(entry);
    else if (!skipExisting)
      throw new AlreadyExists({ resource: 'User', name: accountKey(entry.account) });
  }
  await existingDatabases(
    catalog,
    todo.flatMap((t) => (t.user.databases ?? []).map((d) => d.name)),
  );
  for (const { account, user } of todo) {
    try {
      await catalog.sql.query('CREATE USER ?@? IDENTIFIED BY ?', [
        account.name,
        account.host,
        user.password,
      ]);
    } catch (error) {
      if (sqlCode(error) === 'ER_CANNOT_USER')
        throw new AlreadyExists({ resource: 'User', name: accountKey(account) });
      throw error;
    }
    await grant(
      catalog,
      account,
      (user.databases ?? []).map((d) => d.name),
    );
  }
}

export async function listUsers(catalog: Catalog, params: ListParams): Promise<Page<UserInfo>> {
  const accounts = (await catalog.accounts()).filter((a) => !catalog.names.ignoredUser(a.name));
  const access = await catalog.accessByUser();
  const users = accounts.map((account): UserInfo => ({
    ...account,
    databases: (access.get(accountKey(account)) ?? []).map((name) => ({ name })),
  }));
  return paginate(users, params, accountKey);
}

export async function getUser(catalog: Catalog, user: UserRef): Promise<UserInfo | undefined> {
  const account = catalog.names.checkUser(user);
  if (!(await catalog.accountExists(account))) return undefined;
  return { ...account, databases: await catalog.accessOf(account) };
}

export async function deleteUser(catalog: Catalog, user: UserRef): Promise<void> {
  const account = await catalog.existingUser(user);
  await catalog.sql.query('DROP USER ?@?', [account.name, account.host]);
}

export async function changePasswords(
  catalog: Catalog,
  users: readonly (UserRef & { readonly password: string })[],
): Promise<void> {
  const accounts = users.map((user) => {
    checkPassword(user.password);
    return { account: catalog.names.checkUser(user), password: user.password };
  });
  for (const { account } of accounts) {
    if (!(await catalog.accountExists(account)))
      throw new NotFound({ resource: 'User', id: accountKey(account) });
  }
  for (const { account, password } of accounts)
    await catalog.sql.query('ALTER USER ?@? IDENTIFIED BY ?', [
      account.name,
      account.host,
      password,
    ]);
}

/** A new name or host (RENAME USER keeps the password and grants), then a new password. */
export async function updateAttributes(
  catalog: Catalog,
  user: UserRef,
  attributes: Partial<UserSpec>,
): Promise<void> {
  const account = await catalog.existingUser(user);
  const renamed = catalog.names.checkUser({
    name: attributes.name ?? account.name,
    host: attributes.host ?? account.host,
  });
  const moves = accountKey(renamed) !== accountKey(account);
  if (moves && (await catalog.accountExists(renamed)))
    throw new AlreadyExists({ resource: 'User', name: accountKey(renamed) });
  const password =
    attributes.password !== undefined ? checkPassword(attributes.password) : undefined;
  if (moves)
    await catalog.sql.query('RENAME USER ?@? TO ?@?', [
      account.name,
      account.host,
      renamed.name,
      renamed.host,
    ]);
  if (password !== undefined)
    await catalog.sql.query('ALTER USER ?@? IDENTIFIED BY ?', [
      renamed.name,
      renamed.host,
      password,
    ]);
}
