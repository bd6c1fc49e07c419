// Root, as Trove's Redis root controller means it: the password of the server itself, which in
// Redis 7 is the default user's (what requirepass sets). Disabling switches that user off.

import { randomBytes } from 'node:crypto';
import { BadRequest, type UserSpec } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';

/** The Redis user root's password belongs to: `redis-cli -a <password>` logs in as it. */
export const ROOT_USER = 'default';

/** A password of `length` URL-safe characters. */
export function generatedPassword(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length);
}

export async function enableRootWithPassword(
  admin: AdminSession,
  password: string,
): Promise<UserSpec> {
  if (password === '') throw new BadRequest({ reason: 'A root password must not be empty.' });
  await admin.call('ACL', 'SETUSER', ROOT_USER, 'reset', 'on', `>${password}`, '~*', '&*', '+@all');
  await admin.call('ACL', 'SAVE');
  return { name: ROOT_USER, password };
}

/**
 * Trove removed requirepass, leaving the server open to anyone; Cellar never leaves an instance
 * open: the default user is switched off, loses its password, and its sessions are ended.
 */
export async function disableRoot(admin: AdminSession): Promise<void> {
  await admin.call('ACL', 'SETUSER', ROOT_USER, 'reset', 'off');
  await admin.call('CLIENT', 'KILL', 'USER', ROOT_USER);
  await admin.call('ACL', 'SAVE');
}

export async function isRootEnabled(admin: AdminSession): Promise<boolean> {
  const user = await admin.call('ACL', 'GETUSER', ROOT_USER);
  if (!Array.isArray(user)) return false;
  const flags = user[user.indexOf('flags') + 1] as unknown;
  return Array.isArray(flags) && flags.includes('on') && !flags.includes('nopass');
}
