// initdb, the guest's way, and the work a standby agent does ahead with it: a fresh cluster made
// before any instance asks, which the manager of the next instance renames into its volume.
//
//   <standby dir>/made-with     the binaries the standby is running initdb with (written first)
//   <standby dir>/data.initdb/  the cluster
//   <standby dir>/made-by       the binaries that made it (written last: the cluster is complete)

import { join } from 'node:path';
import type { GuestContext, StandbyContext } from '@cellar/plugin-api';
import {
  initialiseAhead,
  runProgram,
  takeFromStandby as takeStandbyDirectory,
  type Spawning,
  type StandbyDirectory,
} from '@cellar/plugin-api/processes';
import { ADMIN_USER } from './config.js';
import { installedVersions } from './versions.js';

/** The standby's cluster, made by the binaries in binDir. */
const standbyCluster = (binDir: string): StandbyDirectory => ({
  name: 'data.initdb',
  madeWith: binDir,
});

/** The guest's initdb: the cluster every instance starts from; its settings come later, in cellar.conf. */
export function initdb(binDir: string, dataDir: string, spawning: Spawning): Promise<void> {
  return runProgram(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      `--username=${ADMIN_USER}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      // C.UTF-8: Unicode-aware upper/lower and a code-point collation that no glibc upgrade reorders.
      '--locale=C.UTF-8',
    ],
    spawning,
  );
}

/**
 * The data directory this agent initialised as a standby, moved into place, when the same
 * PostgreSQL made it: a rename on the volume's filesystem instead of initdb's thousand files.
 */
export function takeFromStandby(
  context: GuestContext<unknown>,
  binDir: string,
  staging: string,
): Promise<boolean> {
  return takeStandbyDirectory(context, standbyCluster(binDir), staging, {
    fields: { binDir },
    otherwise: 'running initdb',
  });
}

/**
 * A standby agent's work ahead: initdb for the default version into its own directory, as the
 * OS user of the instance it will serve. Its cluster is fresh (its own system identifier), made
 * for no instance in particular; the manager renames it into the instance's volume.
 */
export async function standby(context: StandbyContext): Promise<void> {
  const versions = installedVersions();
  const major =
    context.datastoreVersion === undefined ? undefined : /\d+/.exec(context.datastoreVersion)?.[0];
  const found =
    versions.find((v) => v.name === major) ?? (major === undefined ? versions[0] : undefined);
  if (found === undefined) return;
  // Not aborted once begun: an initdb killed half way leaves its bootstrap server's shared memory
  // segments in /dev/shm, and it is done in a second or two.
  await initialiseAhead(
    context,
    standbyCluster(found.location),
    (dataDir, spawning) => initdb(found.location, dataDir, spawning),
    () => new Error(`${context.dir} belongs to root, and initdb refuses to run as root`),
  );
}
