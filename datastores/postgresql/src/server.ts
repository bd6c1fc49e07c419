// The PostgreSQL datastore's server half: the versions this host has (Debian's
// /usr/lib/postgresql/<major>/bin) and the naming rules for databases and roles.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineDatastoreServer, type DatastoreVersionInfo } from '@cellar/plugin-api';

const ROOT = '/usr/lib/postgresql';

/** Installed PostgreSQL majors, newest first. */
export function installedVersions(root = ROOT): DatastoreVersionInfo[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((major) => /^\d+$/.test(major) && existsSync(join(root, major, 'bin', 'postgres')) && existsSync(join(root, major, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => ({ name: major, location: join(root, major, 'bin'), active: true }));
}

// PostgreSQL identifiers are at most 63 bytes; Cellar keeps to the unquoted-identifier alphabet.
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export default defineDatastoreServer({
  name: 'postgresql',
  versions: async () => installedVersions(),
  nameRules: {
    database: { pattern: identifier, maxLength: 63, reserved: ['postgres', 'template0', 'template1', 'os_admin'] },
    user: { pattern: identifier, maxLength: 63, reserved: ['postgres', 'os_admin', 'root'] },
  },
});
