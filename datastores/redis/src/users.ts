// Users through the API as Redis ACL users: a password and a rule set each, created, listed,
// given new passwords or rules, renamed and deleted; root and os_admin never show or change.

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
import { aclRules, shownRules, type RefusedCommands } from './acl-rules.js';
import { message, type AdminSession } from './admin-session.js';
import { INTERNAL_USERS } from './acl-file.js';
import { userNameRule } from './server.js';

/** Users the API never shows or changes: root's and the guest's own. */
const HIDDEN = new Set(['default', ...INTERNAL_USERS]);

export class AclUsers {
  #refused: Promise<RefusedCommands> | undefined;

  constructor(readonly admin: AdminSession) {}

  /** The server's own @admin and @dangerous commands, asked once. */
  refused(): Promise<RefusedCommands> {
    this.#refused ??= (async () => {
      const lists = await Promise.all(
        ['admin', 'dangerous'].map((c) => this.admin.call('ACL', 'CAT', c)),
      );
      return new Set(lists.flatMap((l) => (Array.isArray(l) ? l.map(String) : [])));
    })();
    this.#refused.catch(() => (this.#refused = undefined));
    return this.#refused;
  }

  /** Every user the API may see, with its rules as Redis holds them. */
  async all(): Promise<UserInfo[]> {
    const lines = await this.admin.call('ACL', 'LIST');
    return (Array.isArray(lines) ? lines.map(String) : [])
      .flatMap((line) => shownRules(line) ?? [])
      .filter((u) => !HIDDEN.has(u.name))
      .map((u) => ({ name: u.name, databases: [], rules: u.rules }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async find(name: string): Promise<UserInfo | undefined> {
    return HIDDEN.has(name) ? undefined : (await this.all()).find((u) => u.name === name);
  }

  async existing(name: string): Promise<UserInfo> {
    const user = await this.find(name);
    if (user === undefined) throw new NotFound({ resource: 'User', id: name });
    return user;
  }

  /** ACL SETUSER with each rule and the password as arguments of their own. */
  async setUser(
    name: string,
    password: string | undefined,
    tokens: readonly string[],
  ): Promise<void> {
    try {
      await this.admin.call('ACL', 'SETUSER', name, ...tokens);
    } catch (error) {
      const said = message(error);
      throw new BadRequest({
        reason: `Redis refused user '${name}': ${password ? said.split(password).join('****') : said}`,
      });
    }
  }

  save(): Promise<unknown> {
    return this.admin.call('ACL', 'SAVE');
  }
}

export function checkUserName(name: string): string {
  const rule = userNameRule;
  if (!rule.pattern.test(name) || name.length > rule.maxLength || rule.reserved.includes(name))
    throw new BadRequest({
      reason: `'${name}' is not a Redis user name Cellar accepts: letters, digits, '_', '.' and '-', at most ${rule.maxLength}, not ${rule.reserved.join(', ')}.`,
    });
  return name;
}

function checkSpec(user: UserSpec): void {
  checkUserName(user.name);
  if (user.host !== undefined && user.host !== '%')
    throw new BadRequest({ reason: 'Redis users have no host part: leave host out or use %.' });
  if ((user.databases ?? []).length > 0)
    throw new BadRequest({
      reason: 'Redis has no databases to grant: give the user ACL rules such as ~app:* +@read.',
    });
  if (user.password === undefined || user.password === '')
    throw new BadRequest({ reason: `User '${user.name}' needs a password.` });
}

/** skipExisting: a repeated prepare finds what the first one created and goes on. */
export async function createUsers(
  acl: AclUsers,
  users: readonly UserSpec[],
  skipExisting: boolean,
): Promise<void> {
  if (users.length === 0) return;
  users.forEach(checkSpec);
  const refused = await acl.refused();
  const rules = new Map(users.map((u) => [u.name, aclRules(u.rules, refused)]));
  const existing = new Set((await acl.all()).map((u) => u.name));
  const todo = [...new Map(users.map((u) => [u.name, u])).values()].filter((u) => {
    if (!existing.has(u.name)) return true;
    if (skipExisting) return false;
    throw new AlreadyExists({ resource: 'User', name: u.name });
  });
  for (const user of todo) {
    const password = user.password ?? '';
    await acl.setUser(user.name, password, [
      'reset',
      'on',
      `>${password}`,
      ...(rules.get(user.name) ?? []),
    ]);
  }
  await acl.save();
}

export async function listUsers(acl: AclUsers, params: ListParams): Promise<Page<UserInfo>> {
  return paginate(await acl.all(), params, (u) => u.name);
}

export async function getUser(acl: AclUsers, user: UserRef): Promise<UserInfo | undefined> {
  return acl.find(user.name);
}

/** Redis ends the deleted user's sessions itself. */
export async function deleteUser(acl: AclUsers, user: UserRef): Promise<void> {
  await acl.existing(user.name);
  await acl.admin.call('ACL', 'DELUSER', user.name);
  await acl.save();
}

/** The sessions already open go on, as with PostgreSQL: the new password is for new logins. */
export async function changePasswords(
  acl: AclUsers,
  users: readonly (UserRef & { readonly password: string })[],
): Promise<void> {
  for (const user of users) {
    if (user.password === '') throw new BadRequest({ reason: 'A password must not be empty.' });
    await acl.existing(user.name);
  }
  for (const user of users)
    await acl.setUser(user.name, user.password, ['resetpass', `>${user.password}`]);
  await acl.save();
}

/**
 * New rules replace the old ones whole; a new password replaces the old; a new name is a new
 * user with the old one's password hashes and rules, the old one deleted (its sessions ended).
 */
export async function updateAttributes(
  acl: AclUsers,
  user: UserRef,
  attributes: Partial<UserSpec>,
): Promise<void> {
  const found = await acl.existing(user.name);
  if (attributes.host !== undefined && attributes.host !== '%')
    throw new BadRequest({ reason: 'Redis users have no host part: leave host out or use %.' });
  if (attributes.password === '') throw new BadRequest({ reason: 'A password must not be empty.' });
  const rules =
    attributes.rules === undefined ? undefined : aclRules(attributes.rules, await acl.refused());
  const rename =
    attributes.name !== undefined && attributes.name !== found.name
      ? checkUserName(attributes.name)
      : undefined;
  if (rename !== undefined && (await acl.find(rename)) !== undefined)
    throw new AlreadyExists({ resource: 'User', name: rename });
  const password = attributes.password;
  const changes = [
    ...(rules ? ['resetkeys', 'resetchannels', '-@all', ...rules] : []),
    ...(password !== undefined ? ['resetpass', `>${password}`] : []),
  ];
  if (rename === undefined) {
    if (changes.length > 0) await acl.setUser(found.name, password, changes);
  } else {
    const hashes = await passwordHashes(acl, found.name);
    const kept = [...hashes.map((h) => `#${h}`), ...(found.rules ?? '').split(' ').filter(Boolean)];
    await acl.setUser(rename, password, ['reset', 'on', ...kept, ...changes]);
    await acl.admin.call('ACL', 'DELUSER', found.name);
  }
  await acl.save();
}

async function passwordHashes(acl: AclUsers, name: string): Promise<string[]> {
  const user = await acl.admin.call('ACL', 'GETUSER', name);
  if (!Array.isArray(user)) return [];
  const hashes = user[user.indexOf('passwords') + 1] as unknown;
  return Array.isArray(hashes) ? hashes.map(String) : [];
}
