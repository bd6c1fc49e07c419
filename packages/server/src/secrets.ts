// The control plane's RPC key and the per-instance keys. The control key signs API/taskmanager
// messages and seals secrets at rest (AES-256-GCM): each instance's key, and a root password
// waiting in an operation; instance keys are handed to their guest only.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The configured control key, else the one stored under state_path (made on first start). */
export async function loadControlKey(
  statePath: string,
  configured: string | undefined,
): Promise<string> {
  if (configured !== undefined) return configured;
  const dir = join(statePath, 'secrets');
  const file = join(dir, 'control.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export function newInstanceKey(): string {
  return randomBytes(32).toString('hex');
}

const aesKey = (controlKey: string): Buffer =>
  createHash('sha256').update(`cellar sealed secrets\0${controlKey}`).digest();

export function seal(controlKey: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(controlKey), iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
}

export function unseal(controlKey: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined)
    throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(controlKey), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
