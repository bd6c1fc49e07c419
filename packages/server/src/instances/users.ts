// An instance's users: listed, created and renamed under the datastore's naming rules, their
// passwords changed, shown and deleted by its guest. A user is `name` or `name@host`.

import type { Static } from '@sinclair/typebox';
import { NotFound } from '@cellar/plugin-api';
import type { UserInfo } from '@cellar/plugin-api';
import type { Caller, InstanceDeps } from './deps.js';
import { checkNames, pageOf, readyGuest, userRef, type InstanceRef } from './guest-resources.js';
import { toUserSpec, type userBody } from './requests.js';

export interface UserView {
  name: string;
  host: string;
  databases: { name: string }[];
  rules?: string;
}

const userView = (u: UserInfo): UserView => ({
  name: u.name,
  host: u.host ?? '%',
  databases: u.databases.map((d) => ({ name: d.name })),
  ...(u.rules ? { rules: u.rules } : {}),
});

export async function listUsers(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  page: { limit?: string | undefined; marker?: string | undefined },
): Promise<UserView[]> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'users', 'list_users');
  return (await guest.listUsers(pageOf(page), context)).items.map(userView);
}

export async function createUsers(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  users: readonly Static<typeof userBody>[],
): Promise<void> {
  const ready = await readyGuest(deps, caller, ref, 'users', 'create_user');
  const names = users.map((u) => u.name);
  checkNames('user', 'body.users', names, ready.nameRules?.user, ready.row.datastore);
  await ready.guest.createUsers(users.map(toUserSpec), ready.context);
}

export async function changePasswords(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  users: readonly { name: string; password: string; host?: string | undefined }[],
): Promise<void> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'users', 'change_passwords');
  await guest.changePasswords(
    users.map((u) => ({
      name: u.name,
      password: u.password,
      ...(u.host === undefined ? {} : { host: u.host }),
    })),
    context,
  );
}

export async function showUser(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
): Promise<UserView> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'users', 'get_user');
  const { name, host } = userRef(user);
  const found = await guest.getUser(name, host, context);
  if (!found) throw new NotFound({ resource: 'User', id: user });
  return userView(found);
}

export interface UserChanges {
  readonly name?: string | undefined;
  readonly password?: string | undefined;
  readonly host?: string | undefined;
  readonly rules?: string | undefined;
}

export async function updateUser(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
  changes: UserChanges,
): Promise<void> {
  const ready = await readyGuest(deps, caller, ref, 'users', 'update_attributes');
  if (changes.name !== undefined)
    checkNames('user', 'body.user', [changes.name], ready.nameRules?.user, ready.row.datastore);
  const attributes = Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  ) as { name?: string; host?: string; password?: string; rules?: string };
  await ready.guest.updateAttributes(userRef(user), attributes, ready.context);
}

export async function deleteUser(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
): Promise<void> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'users', 'delete_user');
  const { name, host } = userRef(user);
  await guest.deleteUser(name, host, context);
}
