// Initialising a data directory, the guest's way, and the work a standby agent does ahead with it:
// a fresh data directory made before any instance asks, which the next instance's manager renames
// into its volume.
//
//   <standby dir>/made-with       the server the standby is initialising with (written first)
//   <standby dir>/data.install/   the data directory
//   <standby dir>/made-by         the server that made it (written last: it is complete)

import type { GuestContext, StandbyContext } from '@cellar/plugin-api';
import {
  initialiseAhead,
  takeFromStandby as takeStandbyDirectory,
  type Spawning,
  type StandbyDirectory,
} from '@cellar/plugin-api/processes';
import { run } from './process.js';
import { findServer, type InstalledServer } from './versions.js';

/** The standby's data directory, named by its server's binary and version. */
const standbyData = (s: InstalledServer): StandbyDirectory => ({
  name: 'data.install',
  madeWith: `${s.server} ${s.name}`,
});

/**
 * The system tables for a new data directory, with root at localhost and no password. Nothing
 * can reach it yet: the first start replaces those accounts before it accepts connections.
 */
export function initialise(server: InstalledServer, dataDir: string, s: Spawning): Promise<void> {
  if (server.installDb !== undefined) {
    return run(
      server.installDb,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      s,
    );
  }
  return run(server.server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`], s);
}

/**
 * The data directory this agent initialised as a standby, moved into place, when the same server
 * made it: a rename on the volume's filesystem instead of the initialiser's seconds.
 */
export function takeFromStandby(
  context: GuestContext<unknown>,
  server: InstalledServer,
  staging: string,
): Promise<boolean> {
  return takeStandbyDirectory(context, standbyData(server), staging, {
    fields: { server: server.server },
    otherwise: 'initialising one',
  });
}

/**
 * A standby agent's work ahead: a data directory for the default version, made as the OS user of
 * the instance it will serve, for no instance in particular; root in it has no password and
 * nothing listens on it until a manager's first start has replaced root.
 */
export async function standby(context: StandbyContext): Promise<void> {
  const server = findServer(context.datastoreVersion);
  if (server === undefined) return;
  await initialiseAhead(
    context,
    standbyData(server),
    (dataDir, spawning) => initialise(server, dataDir, spawning),
    () => new Error(`${context.dir} belongs to root, and the server is never run as root`),
  );
}
