// Root, as Trove's Redis root controller means it: the password of the server itself, which in
// Redis 7 is the default user's (what requirepass sets). Disabling switches that user off.

import { BadRequest, type UserSpec } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';

/** The Redis user root's password belongs to: `redis-cli -a <password>` logs in as it. */
export const ROOT_USER = 'default';

/**
 * Root's commands. Trove's Redis root is the requirepass and may do anything; Cellar's root has
 * every key and every command that stays within the instance, and none that would take it out:
 * - CONFIG SET and CONFIG REWRITE: `bind * -::*` would listen on every address of the host, and
 *   `dir`/`dbfilename` write files elsewhere. Redis 7 cannot allow some parameters and not
 *   others, so root reads the configuration (CONFIG GET) but changes it through Cellar only.
 * - ACL SETUSER, DELUSER, SAVE and LOAD: they could switch off or delete os_admin, the guest's
 *   own user, and lock the guest out. ACL users are managed through the API; root may still
 *   read them (ACL LIST, GETUSER, WHOAMI, LOG).
 * - SHUTDOWN: stopping goes through the API, which leaves the stopped marker; a shutdown by
 *   root would look like a crash and the guest would start the server again.
 * - DEBUG and MODULE (also off in redis.conf): they run code in the server process.
 * - REPLICAOF, SLAVEOF, FAILOVER, MIGRATE, SYNC, PSYNC: they connect to hosts of root's choosing
 *   or replace the data with another server's.
 */
export const ROOT_RULES = [
  '+@all',
  '-config|set',
  '-config|rewrite',
  '-acl|setuser',
  '-acl|deluser',
  '-acl|save',
  '-acl|load',
  '-shutdown',
  '-debug',
  '-module',
  '-replicaof',
  '-slaveof',
  '-failover',
  '-migrate',
  '-sync',
  '-psync',
] as const;

export async function enableRootWithPassword(
  admin: AdminSession,
  password: string,
): Promise<UserSpec> {
  if (password === '') throw new BadRequest({ reason: 'A root password must not be empty.' });
  await admin.call(
    'ACL',
    'SETUSER',
    ROOT_USER,
    'reset',
    'on',
    `>${password}`,
    '~*',
    '&*',
    ...ROOT_RULES,
  );
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
