// The MySQL-family servers installed on this host, for both halves: the server half offers them as
// versions, the guest runs its server (and initialises its data directory) with one of them.

import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatastoreVersionInfo } from '@cellar/plugin-api';

/** Which server a binary is: they differ in how a data directory is initialised and named. */
export type Flavor = 'mariadb' | 'mysql' | 'percona';

export interface InstalledServer extends DatastoreVersionInfo {
  readonly flavor: Flavor;
  /** The server binary itself (mariadbd or mysqld). */
  readonly server: string;
  /** What initialises a data directory: mariadb-install-db, or the server's --initialize. */
  readonly installDb?: string;
}

const CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];
const INSTALL_DB = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'];

/** The Debian package that provides a server this datastore can run (MySQL's and Percona's do too). */
export const DEBIAN_PACKAGE = 'mariadb-server';
export const DEBIAN_PACKAGES = `${DEBIAN_PACKAGE} (or mysql-server, or percona-server-server)`;

/** The flavor and major.minor of a server from its `--version` line. */
export function parseVersion(line: string): { flavor: Flavor; name: string } | undefined {
  const m = /Ver\s+(\d+\.\d+)/.exec(line);
  if (!m?.[1]) return undefined;
  const flavor: Flavor = /mariadb/i.test(line)
    ? 'mariadb'
    : /percona/i.test(line)
      ? 'percona'
      : 'mysql';
  return { flavor, name: m[1] };
}

const cache = new Map<string, readonly InstalledServer[]>();

/**
 * The servers installed among candidates, once per binary (Debian's mysqld is a link to mariadbd
 * where MariaDB is installed). Remembered: a `--version` costs a process start.
 */
export function installedVersions(candidates = CANDIDATES): readonly InstalledServer[] {
  const key = candidates.join(':');
  const known = cache.get(key);
  if (known !== undefined) return known;
  const seen = new Set<string>();
  const found: InstalledServer[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const server = realpathSync(candidate);
    if (seen.has(server)) continue;
    seen.add(server);
    let line: string;
    try {
      line = execFileSync(server, ['--no-defaults', '--version'], { stdio: 'pipe' }).toString();
    } catch {
      continue;
    }
    const version = parseVersion(line);
    if (version === undefined) continue;
    const installDb =
      version.flavor === 'mariadb' ? INSTALL_DB.find((path) => existsSync(path)) : undefined;
    found.push({
      ...version,
      location: dirname(server),
      active: true,
      server,
      ...(installDb !== undefined ? { installDb } : {}),
    });
  }
  cache.set(key, found);
  return found;
}

/** What is missing on a host with no server: the binaries looked for. */
export function missingReason(candidates = CANDIDATES): string {
  return `no MySQL-family server is installed on this host (no ${candidates.join(' or ')}; mysql-server or percona-server-server would do too)`;
}

/** Why no version can be offered here, naming what to install; undefined when one can. */
export function whyUnavailable(candidates = CANDIDATES): string | undefined {
  if (installedVersions(candidates).length > 0) return undefined;
  return `${missingReason(candidates)}: install Debian's ${DEBIAN_PACKAGE}.`;
}

/** The installed server a version name (or the data directory's flavor) asks for. */
export function findServer(name: string | undefined): InstalledServer | undefined {
  const versions = installedVersions();
  if (name === undefined) return versions[0];
  return versions.find((v) => v.name === name || `${v.flavor}-${v.name}` === name);
}

export const serverPath = (location: string, flavor: Flavor): string =>
  join(location, flavor === 'mariadb' ? 'mariadbd' : 'mysqld');
