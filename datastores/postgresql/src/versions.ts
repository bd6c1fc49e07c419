// The PostgreSQL majors installed on this host, for both halves: the server half offers them as
// versions, the guest runs its server from one of them.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatastoreVersionInfo } from '@cellar/plugin-api';

const ROOT = '/usr/lib/postgresql';

/** Installed PostgreSQL majors, newest first. */
export function installedVersions(root = ROOT): DatastoreVersionInfo[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter(
      (major) =>
        /^\d+$/.test(major) &&
        existsSync(join(root, major, 'bin', 'postgres')) &&
        existsSync(join(root, major, 'bin', 'initdb')),
    )
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => ({ name: major, location: join(root, major, 'bin'), active: true }));
}
