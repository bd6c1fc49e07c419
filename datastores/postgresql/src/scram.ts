// SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677) computed in the guest, so every password is stored
// by sending PostgreSQL its verifier rather than the password itself.

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { saslprep } from '@mongodb-js/saslprep';
import { BadRequest } from '@cellar/plugin-api';

/** PostgreSQL's own default (scram_iterations, 4096 before it became a setting in 16). */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * Prohibited (RFC 3454 C.8) but turned by normalisation into characters that are not:
 * PostgreSQL checks the string before normalising it, @mongodb-js/saslprep after.
 */
const PROHIBITED_BEFORE_NFKC = /[\u0340\u0341]/;

/**
 * The password as PostgreSQL hashes it (src/common/saslprep.c): ASCII as it is, anything else
 * through SASLprep (RFC 4013, Unicode 3.2's tables), and the raw password where SASLprep refuses
 * it (prohibited or unassigned code points, mixed directions, nothing left after mapping). libpq
 * prepares the password the same way when it logs in, so the verifier matches what it proves.
 *
 * PostgreSQL runs the checks on the mapped string before NFKC, the package after: the two differ
 * only for the tone marks above (handled here), for characters added after Unicode 3.2 that
 * normalise to older ones, and for right-to-left passwords holding characters whose direction
 * NFKC changes. For those the verifier follows the package, and libpq would not log in.
 */
export function preparedPassword(password: string): string {
  if (password.includes('\0'))
    throw new BadRequest({ reason: 'A password must not contain NUL characters.' });
  // eslint-disable-next-line no-control-regex -- ASCII is every code unit up to 0x7f.
  if (/^[\x00-\x7f]*$/.test(password) || PROHIBITED_BEFORE_NFKC.test(password)) return password;
  try {
    const prepared = saslprep(password);
    return prepared === '' ? password : prepared;
  } catch {
    return password;
  }
}

export interface ScramOptions {
  readonly salt?: Buffer;
  readonly iterations?: number;
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, the form pg_authid keeps. */
export function scramVerifier(password: string, options: ScramOptions = {}): string {
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const prepared = Buffer.from(preparedPassword(password), 'utf8');
  const salted = pbkdf2Sync(prepared, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
