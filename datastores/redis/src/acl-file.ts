// users.acl as every start puts it back: os_admin and os_backup as the guest made them and root
// with its own rules, whatever the file was left holding; the API's ACL users pass through.

import { ROOT_RULES, ROOT_USER } from './root.js';

/** The guest's own ACL user: every command, over the private socket only by convention. */
export const ADMIN_USER = 'os_admin';

/** The account `redis-cli --rdb` takes backups as, over the private socket. */
export const BACKUP_USER = 'os_backup';

/**
 * All a backup needs, measured against redis-cli 7.0: REPLCONF (capa eof, rdb-only) and SYNC.
 * No key and no other command: the RDB it is sent holds the data, nothing else is readable.
 */
export const BACKUP_RULES = 'resetchannels -@all +sync +replconf';

/** The guest's own accounts: hidden from the API's user listings, refused to its operations. */
export const INTERNAL_USERS: readonly string[] = [ADMIN_USER, BACKUP_USER];

/** The tokens of a user's line that are its state and passwords, not its rules. */
const credential = (token: string): boolean => token === 'on' || /^#[0-9a-f]{64}$/.test(token);

/**
 * Root's line: its password hashes kept, its rules Cellar's. A root line that is missing or not
 * `on` with a password becomes off; Redis would otherwise make the default user nopass, +@all.
 */
function rootLine(line: string | undefined): string {
  const kept = (line ?? '').split(' ').slice(2).filter(credential);
  if (!kept.includes('on') || kept.length < 2) return `user ${ROOT_USER} off resetchannels -@all`;
  return ['user', ROOT_USER, ...kept, '~*', '&*', ...ROOT_RULES].join(' ');
}

const nameOf = (line: string): string | undefined => /^user (\S+)/.exec(line)?.[1];

/** The guest's accounts' password hashes (SHA-256, hex). */
export interface InternalHashes {
  readonly admin: string;
  readonly backup: string;
}

/** The ACL file's text with root, os_admin and os_backup reasserted. */
export function assertedAclFile(text: string, hashes: InternalHashes): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const others = lines.filter((l) => ![ROOT_USER, ...INTERNAL_USERS].includes(nameOf(l) ?? ''));
  return [
    rootLine(lines.find((l) => nameOf(l) === ROOT_USER)),
    `user ${ADMIN_USER} on #${hashes.admin} ~* &* +@all`,
    `user ${BACKUP_USER} on #${hashes.backup} ${BACKUP_RULES}`,
    ...others,
    '',
  ].join('\n');
}
