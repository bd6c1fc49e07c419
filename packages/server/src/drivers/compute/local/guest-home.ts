// Where the local driver keeps what guests use (instances, guest artifacts, standby work, the RPC
// sockets), and whether the guests' users can reach it: a clone under /root, or in a mktemp
// directory, is closed to every other user, so a root deployment there keeps them elsewhere.

import { createHash } from 'node:crypto';
import { chmod, mkdir, realpath, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { unreachable } from './permissions.js';

/** Where a root deployment whose state directory the guests cannot reach keeps what they use. */
export const SHARED_GUEST_ROOT = '/var/lib/cellar';

/** A name for the deployment of this state directory, the same at every start: its name and a hash of its path. */
export function deploymentName(statePath: string): string {
  const hash = createHash('sha256').update(statePath).digest('hex').slice(0, 12);
  const name = basename(statePath)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 40);
  return `${name}-${hash}`;
}

/**
 * The guests' directory: `[local] guest_path` when set; else the state directory, unless Cellar
 * runs as root and the guests' users cannot pass through to it, when it is
 * /var/lib/cellar/<deployment> (which names the state directory it serves, in `state-path`).
 */
export async function guestHome(
  statePath: string,
  configured: string,
  root = process.getuid?.() === 0,
): Promise<string> {
  const state = await realpath(statePath);
  if (configured !== '') {
    const path = isAbsolute(configured) ? configured : resolve(state, configured);
    await mkdir(path, { recursive: true, mode: 0o711 });
    return realpath(path);
  }
  // The state directory itself is the driver's to open to them; the directories above are not.
  if (!root || (await unreachable([state])) === undefined) return state;
  const home = join(SHARED_GUEST_ROOT, deploymentName(state));
  await mkdir(home, { recursive: true, mode: 0o711 });
  await chmod(SHARED_GUEST_ROOT, 0o711);
  await writeFile(join(home, 'state-path'), `${state}\n`);
  return home;
}
