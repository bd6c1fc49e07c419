// The Redis datastore's server half: the redis-server this host has and its version, why there is
// none when it is missing, the rule for ACL user names, and its configuration parameters.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { defineDatastoreServer, type DatastoreVersionInfo } from '@cellar/plugin-api';
import { configuration } from './parameters/index.js';

const run = promisify(execFile);

/** Debian's redis-server, the one binary the guest runs. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** The installed redis-server's major.minor, e.g. `7.0`. */
export async function installedVersions(server = REDIS_SERVER): Promise<DatastoreVersionInfo[]> {
  if (!existsSync(server)) return [];
  const { stdout } = await run(server, ['--version']);
  const m = /v=(\d+\.\d+)/.exec(stdout);
  return m?.[1] ? [{ name: m[1], location: dirname(server), active: true }] : [];
}

/** Why this host cannot run Redis instances, in an operator's words. */
export async function unavailable(
  server = REDIS_SERVER,
): Promise<{ reason: string; debianPackage: string }> {
  return {
    reason: existsSync(server)
      ? `${server} does not say which version it is`
      : `no ${server} on this host`,
    debianPackage: 'redis-server',
  };
}

/** ACL user names: no spaces or quotes (the ACL file is split on spaces), at most 64 characters. */
export const userNameRule = {
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
  maxLength: 64,
  // The guest's own accounts (acl-file.ts), kept apart from API users.
  reserved: ['default', 'os_admin', 'os_backup', 'root'],
};

export default defineDatastoreServer({
  name: 'redis',
  versions: () => installedVersions(),
  unavailable: () => unavailable(),
  nameRules: { user: userNameRule },
  // What the version's own CONFIG SET takes, committed (parameters/catalog-<version>.ts).
  configuration,
});
