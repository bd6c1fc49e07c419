// Initialising a data directory, the guest's way, and the work a standby agent does ahead with it:
// a fresh data directory made before any instance asks, which the next instance's manager renames
// into its volume.
//
//   <standby dir>/made-with       the server the standby is initialising with (written first)
//   <standby dir>/data.install/   the data directory
//   <standby dir>/made-by         the server that made it (written last: it is complete)

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestContext, StandbyContext } from '@cellar/plugin-api';
import { spawningAsOwner, type Spawning } from '@cellar/plugin-api/processes';
import { run } from './process.js';
import { findServer, type InstalledServer } from './versions.js';

const STANDBY_DATA = 'data.install';
const STANDBY_FOR = 'made-with';
const STANDBY_MADE_BY = 'made-by';

/** How a server is named in the standby's files: its binary and version. */
const serverKey = (s: InstalledServer): string => `${s.server} ${s.name}`;

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
export async function takeFromStandby(
  context: GuestContext<unknown>,
  server: InstalledServer,
  staging: string,
): Promise<boolean> {
  const standby = context.standby;
  if (standby === undefined) return false;
  try {
    // Made with another server: not worth waiting for.
    const intended = await readFile(join(standby.dir, STANDBY_FOR), 'utf8').catch(() => undefined);
    if (intended !== undefined && intended !== serverKey(server)) return false;
    await standby.done;
    if ((await readFile(join(standby.dir, STANDBY_MADE_BY), 'utf8')) !== serverKey(server))
      return false;
    await rename(join(standby.dir, STANDBY_DATA), staging);
    context.log.info('the data directory initialised ahead by the standby agent is used', {
      server: server.server,
    });
    return true;
  } catch (error) {
    context.log.warn('the standby agent left no usable data directory; initialising one', {
      err: error,
    });
    return false;
  }
}

/**
 * A standby agent's work ahead: a data directory for the default version, made as the OS user of
 * the instance it will serve, for no instance in particular; root in it has no password and
 * nothing listens on it until a manager's first start has replaced root.
 */
export async function standby(context: StandbyContext): Promise<void> {
  const server = findServer(context.datastoreVersion);
  if (server === undefined) return;
  // As the manager does: run as root, the initialiser runs as the directory's owner.
  const spawning = await spawningAsOwner(
    context.dir,
    context.dir,
    () => new Error(`${context.dir} belongs to root, and the server is never run as root`),
  );
  if (context.signal.aborted) return;
  await writeFile(join(context.dir, STANDBY_FOR), serverKey(server));
  await initialise(server, join(context.dir, STANDBY_DATA), spawning);
  await writeFile(join(context.dir, STANDBY_MADE_BY), serverKey(server));
}
