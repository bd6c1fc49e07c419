// Which of an instance's databases a user may use: listed, granted and revoked by its guest.

import type { Caller, InstanceDeps } from './deps.js';
import { readyGuest, userRef, type InstanceRef } from './guest-resources.js';

export async function listAccess(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
): Promise<{ name: string }[]> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'user-access', 'list_access');
  return (await guest.listAccess(userRef(user), context)).map((d) => ({ name: d.name }));
}

export async function grantAccess(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
  databases: readonly string[],
): Promise<void> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'user-access', 'grant_access');
  await guest.grantAccess(userRef(user), databases, context);
}

export async function revokeAccess(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  user: string,
  database: string,
): Promise<void> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'user-access', 'revoke_access');
  await guest.revokeAccess(userRef(user), database, context);
}
