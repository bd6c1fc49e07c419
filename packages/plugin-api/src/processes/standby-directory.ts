// A data directory a standby agent initialises ahead, as the OS user of the instance it will serve,
// and the manager's taking of it: the standby's files say which binaries made it and when it is whole.
//
//   <standby dir>/made-with   the binaries the standby is initialising with (written first)
//   <standby dir>/<data>/     the data directory
//   <standby dir>/made-by     the binaries that made it (written last: it is complete)

import { cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StandbyContext } from '../define.js';
import type { GuestContext } from '../manager/base-datastore-manager.js';
import { spawningAsOwner, type Spawning } from './run-as.js';

const STANDBY_FOR = 'made-with';
const STANDBY_MADE_BY = 'made-by';

export interface StandbyDirectory {
  /** Its name in the standby's directory, e.g. `data.initdb`. */
  readonly name: string;
  /** The binaries that make it, as the standby's files name them; only the same may take it. */
  readonly madeWith: string;
}

/**
 * A standby agent's work ahead: `initialise` run into the standby's directory as its owner (a
 * directory root owns is refused with `refuse`'s error), between the two files that say so.
 */
export async function initialiseAhead(
  context: StandbyContext,
  directory: StandbyDirectory,
  initialise: (dataDir: string, spawning: Spawning) => Promise<void>,
  refuse: () => Error,
): Promise<void> {
  // As the manager does: run as root, the initialiser runs as the directory's owner.
  const spawning = await spawningAsOwner(context.dir, context.dir, refuse);
  if (context.signal.aborted) return;
  await writeFile(join(context.dir, STANDBY_FOR), directory.madeWith);
  await initialise(join(context.dir, directory.name), spawning);
  await writeFile(join(context.dir, STANDBY_MADE_BY), directory.madeWith);
}

/**
 * A rename, or a copy when the volume is a filesystem of its own (a mounted image): a copy of
 * initdb's files still takes a fraction of initialising anew. Permissions and times are kept.
 */
async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    try {
      await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    } catch (failed) {
      // Half a copy would stop the initialisation done instead.
      await rm(to, { recursive: true, force: true });
      throw failed;
    }
    await rm(from, { recursive: true, force: true });
  }
}

/**
 * The data directory the standby initialised, renamed to `staging`, when the same binaries made it:
 * a rename on the volume's filesystem instead of initialising anew. False, and logged with
 * `otherwise` (what the manager does instead), when there is none to take.
 */
export async function takeFromStandby(
  context: GuestContext<unknown>,
  directory: StandbyDirectory,
  staging: string,
  log: { readonly fields: Readonly<Record<string, unknown>>; readonly otherwise: string },
): Promise<boolean> {
  const standby = context.standby;
  if (standby === undefined) return false;
  try {
    // Made with other binaries: not worth waiting for.
    const intended = await readFile(join(standby.dir, STANDBY_FOR), 'utf8').catch(() => undefined);
    if (intended !== undefined && intended !== directory.madeWith) return false;
    await standby.done;
    if ((await readFile(join(standby.dir, STANDBY_MADE_BY), 'utf8')) !== directory.madeWith)
      return false;
    await moveInto(join(standby.dir, directory.name), staging);
    context.log.info(
      'the data directory initialised ahead by the standby agent is used',
      log.fields,
    );
    return true;
  } catch (error) {
    context.log.warn(`the standby agent left no usable data directory; ${log.otherwise}`, {
      err: error,
    });
    return false;
  }
}
