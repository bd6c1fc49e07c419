// The PostgreSQL majors installed on this host, for both halves: the server half offers them as
// versions, the guest runs its server from one of them.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatastoreUnavailable, DatastoreVersionInfo } from '@cellar/plugin-api';

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

/**
 * Why no version is installed, naming the Debian package to install: the one of a major whose
 * directory is there without its server (postgresql-client-<v> alone), else Debian's default.
 */
export function missingServer(root = ROOT): DatastoreUnavailable {
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((major) => /^\d+$/.test(major))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors[0];
  if (major === undefined)
    return {
      reason: `no PostgreSQL server binaries under ${root}/<version>/bin`,
      debianPackage: 'postgresql',
    };
  return {
    reason: `${join(root, major, 'bin')} has no postgres and initdb (only the client is installed)`,
    debianPackage: `postgresql-${major}`,
  };
}
