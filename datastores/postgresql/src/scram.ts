// SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677) computed in the guest, so a password is stored
// by sending PostgreSQL its verifier rather than the password itself.

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's own default (scram_iterations, 4096 before it became a setting in 16). */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * Whether the guest can compute this password's verifier exactly as the server would.
 *
 * PostgreSQL runs SASLprep (RFC 4013) over a password before hashing it, and falls back to the
 * raw bytes when SASLprep refuses it. For printable ASCII SASLprep changes nothing, and ASCII
 * control characters make it refuse, so the raw password is hashed either way. Beyond ASCII it
 * needs Unicode 3.2's tables (unassigned code points, bidi rules); a partial copy would store a
 * verifier that libpq clients cannot log in with, so such passwords go to the server as they
 * are, over the private socket, in a session that logs no statements.
 */
export function canHashLocally(password: string): boolean {
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    if (unit === 0 || unit > 0x7f) return false;
  }
  return true;
}

export interface ScramOptions {
  readonly salt?: Buffer;
  readonly iterations?: number;
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, the form pg_authid keeps. */
export function scramVerifier(password: string, options: ScramOptions = {}): string {
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
