// users.acl as every start puts it back: os_admin as the guest made it and root with its own
// rules, whatever the file was left holding; the API's ACL users pass through untouched.

import { ROOT_RULES, ROOT_USER } from './root.js';

/** The guest's own ACL user: every command, over the private socket only by convention. */
export const ADMIN_USER = 'os_admin';

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

/** The ACL file's text with root and os_admin (whose password hash is adminHash) reasserted. */
export function assertedAclFile(text: string, adminHash: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const others = lines.filter((l) => ![ROOT_USER, ADMIN_USER].includes(nameOf(l) ?? ''));
  return [
    rootLine(lines.find((l) => nameOf(l) === ROOT_USER)),
    `user ${ADMIN_USER} on #${adminHash} ~* &* +@all`,
    ...others,
    '',
  ].join('\n');
}
