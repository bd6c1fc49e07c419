// Quoting for the SQL the guest builds: PostgreSQL's utility statements (CREATE ROLE, GRANT, …)
// take no bind parameters, so every name and literal is checked here and quoted, never pasted.

import { BadRequest } from '@cellar/plugin-api';

/** PostgreSQL silently truncates longer identifiers (NAMEDATALEN - 1), which would rename things. */
const MAX_IDENTIFIER_BYTES = 63;

/** Checks a database or role name before it reaches SQL; answers it unchanged. */
export function checkName(kind: 'Database' | 'User', name: string): string {
  if (name.length === 0) throw new BadRequest({ reason: `${kind} name must not be empty.` });
  if (name.includes('\0'))
    throw new BadRequest({ reason: `${kind} name must not contain NUL characters.` });
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new BadRequest({
      reason: `${kind} name ${name} is longer than ${MAX_IDENTIFIER_BYTES} bytes.`,
    });
  }
  return name;
}

/** A double-quoted identifier: embedded `"` doubled, NUL refused (the server would end the string there). */
export function ident(name: string): string {
  if (name.length === 0) throw new BadRequest({ reason: 'An SQL identifier must not be empty.' });
  if (name.includes('\0'))
    throw new BadRequest({ reason: 'An SQL identifier must not contain NUL characters.' });
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A single-quoted string literal: embedded `'` doubled. Backslashes stay as they are because
 * standard_conforming_strings is on (the default since 9.1, and the admin session sets it);
 * E'' strings are never built.
 */
export function literal(value: string): string {
  if (value.includes('\0'))
    throw new BadRequest({ reason: 'An SQL string must not contain NUL characters.' });
  return `'${value.replaceAll("'", "''")}'`;
}
