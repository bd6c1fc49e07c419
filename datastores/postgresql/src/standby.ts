// initdb, the guest's way, and the work a standby agent does ahead with it: a fresh cluster made
// before any instance asks, which the manager of the next instance renames into its volume.
//
//   <standby dir>/made-with     the binaries the standby is running initdb with (written first)
//   <standby dir>/data.initdb/  the cluster
//   <standby dir>/made-by       the binaries that made it (written last: the cluster is complete)

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestContext, StandbyContext } from '@cellar/plugin-api';
import { runProgram, spawningAsOwner, type Spawning } from '@cellar/plugin-api/processes';
import { ADMIN_USER } from './config.js';
import { installedVersions } from './versions.js';

const STANDBY_DATA = 'data.initdb';
const STANDBY_FOR = 'made-with';
const STANDBY_MADE_BY = 'made-by';

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
export async function takeFromStandby(
  context: GuestContext<unknown>,
  binDir: string,
  staging: string,
): Promise<boolean> {
  const standby = context.standby;
  if (standby === undefined) return false;
  try {
    // Made for another version: not worth waiting for.
    const intended = await readFile(join(standby.dir, STANDBY_FOR), 'utf8').catch(() => undefined);
    if (intended !== undefined && intended !== binDir) return false;
    await standby.done;
    if ((await readFile(join(standby.dir, STANDBY_MADE_BY), 'utf8')) !== binDir) return false;
    await rename(join(standby.dir, STANDBY_DATA), staging);
    context.log.info('the data directory initialised ahead by the standby agent is used', {
      binDir,
    });
    return true;
  } catch (error) {
    context.log.warn('the standby agent left no usable data directory; running initdb', {
      err: error,
    });
    return false;
  }
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
  // As the manager does: run as root, initdb runs as the directory's owner (it refuses root).
  const spawning = await spawningAsOwner(
    context.dir,
    context.dir,
    () => new Error(`${context.dir} belongs to root, and initdb refuses to run as root`),
  );
  if (context.signal.aborted) return;
  await writeFile(join(context.dir, STANDBY_FOR), found.location);
  // Not aborted once begun: an initdb killed half way leaves its bootstrap server's shared memory
  // segments in /dev/shm, and it is done in a second or two.
  await initdb(found.location, join(context.dir, STANDBY_DATA), spawning);
  await writeFile(join(context.dir, STANDBY_MADE_BY), found.location);
}
