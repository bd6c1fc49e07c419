// Passwords a datastore makes for its users (root's, the guest's own admin account): random,
// URL-safe, so they survive every client, shell and configuration file unquoted.

import { randomBytes } from 'node:crypto';

/** A password of `length` URL-safe characters (base64url), from the system's CSPRNG. */
export function generatedPassword(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length);
}
