// Why an enabled datastore cannot run on this host: asked of its server half when it finds no
// version, so the API lists the reason and refuses creates naming it rather than a guest failing.

import type { DatastoreServer, DatastoreUnavailable } from '@cellar/plugin-api';

/** Undefined while the datastore has a version to run; else what is missing and its package. */
export async function unavailability(
  name: string,
  server: DatastoreServer | undefined,
): Promise<DatastoreUnavailable | undefined> {
  if (!server)
    return { reason: `the ${name} plugin has no server half (no cellar.datastore.server entry)` };
  if ((await server.versions()).length > 0) return undefined;
  const said = await server.unavailable?.();
  return said ?? { reason: `no version of ${name} is installed on this host` };
}

/** The sentence a user reads: the reason, and the Debian package when the plugin names one. */
export function describeUnavailable(u: DatastoreUnavailable): string {
  return u.debianPackage === undefined
    ? u.reason
    : `${u.reason}; install the Debian package ${u.debianPackage}`;
}
