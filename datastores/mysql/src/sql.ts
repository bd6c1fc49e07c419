// Quoting for the SQL the guest builds. Literals (names in accounts, passwords) always go through
// mysql2's placeholders; identifiers (databases) are checked here and backtick-quoted, never pasted.

import { BadRequest } from '@cellar/plugin-api';

/** MySQL's limit on database names, in characters. */
export const MAX_DATABASE_CHARS = 64;
/** MariaDB keeps 128 characters of a user name (MySQL 8: 32) and 255 of a host. */
export const MAX_USER_CHARS = 80;
export const MAX_HOST_CHARS = 255;

/** Checks a name before it reaches SQL; answers it unchanged. */
export function checkName(kind: 'Database' | 'User' | 'Host', name: string, max: number): string {
  if (name.length === 0) throw new BadRequest({ reason: `${kind} name must not be empty.` });
  if (name.includes('\0'))
    throw new BadRequest({ reason: `${kind} name must not contain NUL characters.` });
  if ([...name].length > max)
    throw new BadRequest({ reason: `${kind} name ${name} is longer than ${max} characters.` });
  return name;
}

/** A backtick-quoted identifier: embedded backticks doubled, NUL and empty names refused. */
export function ident(name: string): string {
  if (name.length === 0) throw new BadRequest({ reason: 'An SQL identifier must not be empty.' });
  if (name.includes('\0'))
    throw new BadRequest({ reason: 'An SQL identifier must not contain NUL characters.' });
  // MySQL does not allow identifiers that end in a space: the server would refuse them anyway.
  if (name.endsWith(' '))
    throw new BadRequest({ reason: `An SQL identifier must not end with a space: '${name}'.` });
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * A database as GRANT and REVOKE name it: `_` and `%` are wildcards there, so they and the
 * escape character itself are escaped, and `db_1` means db_1 only, not dbx1 too.
 */
export function grantDatabase(name: string): string {
  return ident(name.replace(/[\\_%]/g, (c) => `\\${c}`));
}

/** The database name mysql.db stores for a grant made with grantDatabase. */
export function unescapeGrantDatabase(stored: string): string {
  return stored.replace(/\\([\\_%])/g, '$1');
}
