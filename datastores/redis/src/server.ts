// The Redis datastore's server half: the redis-server this host has and its version.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { defineDatastoreServer, type DatastoreVersionInfo } from '@cellar/plugin-api';

const run = promisify(execFile);

/** The installed redis-server's major.minor, e.g. `7.0`. */
export async function installedVersions(
  server = '/usr/bin/redis-server',
): Promise<DatastoreVersionInfo[]> {
  if (!existsSync(server)) return [];
  const { stdout } = await run(server, ['--version']);
  const m = /v=(\d+\.\d+)/.exec(stdout);
  return m?.[1] ? [{ name: m[1], location: dirname(server), active: true }] : [];
}

export default defineDatastoreServer({
  name: 'redis',
  versions: () => installedVersions(),
});
