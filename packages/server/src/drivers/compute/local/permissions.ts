// Whether the guests' users can reach what they use: a clone under /root, or in a mktemp
// directory, is closed to every other user.

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Why the guests' users cannot reach these paths (every directory above them must let others
 * pass), or undefined when they can. A deployment under /root, say, is closed to every other user.
 */
export async function unreachable(
  paths: readonly string[],
  remedy = 'set [local] guest_path somewhere they can reach (for example /var/lib/cellar/<name>)',
): Promise<string | undefined> {
  for (const path of paths) {
    const chain: string[] = [];
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) chain.unshift(dir);
    chain.unshift('/');
    for (const d of chain) {
      const s = await stat(d);
      if ((s.mode & 0o001) === 0) {
        return `guests run as users of their own, who cannot pass through ${d} (mode ${(s.mode & 0o777).toString(8)}) to reach ${path}; ${remedy}, or let them pass with chmod o+x ${d}`;
      }
    }
  }
  return undefined;
}
