// The MySQL/MariaDB datastore's server half: the server this host has (mariadbd or mysqld) and
// its version, and the naming rules for databases and accounts.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { defineDatastoreServer, type DatastoreVersionInfo } from '@cellar/plugin-api';

const run = promisify(execFile);
const SERVERS = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];

/** The installed server's major.minor, e.g. `10.11`, from `<server> --version`. */
export async function installedVersions(candidates = SERVERS): Promise<DatastoreVersionInfo[]> {
  for (const server of candidates) {
    if (!existsSync(server)) continue;
    const { stdout } = await run(server, ['--no-defaults', '--version']);
    const m = /Ver\s+(\d+\.\d+)/.exec(stdout);
    if (m?.[1]) return [{ name: m[1], location: dirname(server), active: true }];
  }
  return [];
}

export default defineDatastoreServer({
  name: 'mysql',
  versions: () => installedVersions(),
  nameRules: {
    database: {
      pattern: /^[A-Za-z0-9_$-]+$/,
      maxLength: 64,
      reserved: ['mysql', 'information_schema', 'performance_schema', 'sys'],
    },
    user: {
      pattern: /^[A-Za-z0-9_.-]+$/,
      maxLength: 80,
      reserved: ['root', 'os_admin', 'mysql.sys', 'mariadb.sys'],
    },
  },
});
