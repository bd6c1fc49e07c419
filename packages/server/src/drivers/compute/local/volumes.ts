// The instances' data volumes in the local driver. As root, a volume is an ext4 filesystem in a
// sparse image file of the volume's size, loop-mounted where the guest keeps its data, so writes
// stop at the size as on a real disk; otherwise (or when mounting is refused) a plain directory.
//
//   <instance dir>/volume.img   the filesystem image (root's, 0600): sparse, it takes what is written
//   <instance dir>/volume/      its mount point, the guest's mount_point; the filesystem's root is
//                               the instance's user's (0700), mounted nodev,nosuid
//
// A mounted ext4 cannot grow here (resize2fs on the loop device is refused), so a volume grows
// offline: unmounted, the image extended, checked, grown, and mounted again.

import { execFile } from 'node:child_process';
import { chmod, chown, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { OsUser } from './os-users.js';

const run = promisify(execFile);

/** What an instance's record keeps of its volume. */
export interface VolumeRecord {
  readonly sizeGb: number;
  /** True: an image mounted at volume/ holds writes to its size; false: a plain directory. */
  readonly enforced: boolean;
}

export const volumeImage = (dir: string): string => join(dir, 'volume.img');
export const volumeMount = (dir: string): string => join(dir, 'volume');

const GB = 1024 ** 3;
/** How long an unmount waits for what still has files open on the volume to let go. */
const UNMOUNT_WAIT_MS = 15_000;

/** /proc/self/mountinfo escapes spaces, tabs, newlines and backslashes as octal. */
const unescapeMount = (path: string): string =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The mount points at or under `prefix` in this process's mount namespace. */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').flatMap((line) => {
    const field = line.split(' ')[4];
    if (field === undefined) return [];
    const path = unescapeMount(field);
    return path === prefix || path.startsWith(`${prefix}/`) ? [path] : [];
  });
}

export async function isMounted(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}

/** The reason a command failed, in its own words. */
const said = (error: unknown): string => {
  const { stderr, message } = error as { stderr?: unknown; message?: unknown };
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : message;
  return String(text).trim();
};

/** A new sparse image of `sizeGb` with an empty ext4 whose root is the user's; no blocks reserved for root. */
export async function makeImage(image: string, sizeGb: number, user?: OsUser): Promise<void> {
  await writeFile(image, '', { mode: 0o600 });
  await truncate(image, sizeGb * GB);
  const owner = user ? ['-E', `root_owner=${user.uid}:${user.gid}`] : [];
  await run('mkfs.ext4', ['-q', '-F', '-m', '0', ...owner, image]);
}

/** Mounts the image at `mountPoint` unless it is mounted there already; its root stays private to the user. */
export async function mountImage(image: string, mountPoint: string, user?: OsUser): Promise<void> {
  if (await isMounted(mountPoint)) return;
  await run('mount', ['-o', 'loop,nodev,nosuid', image, mountPoint]);
  if (user) await chown(mountPoint, user.uid, user.gid);
  await chmod(mountPoint, 0o700);
}

/**
 * Unmounts `mountPoint` if it is mounted, waiting while something still has a file open there
 * (never lazily: the image is changed next). Fails naming what holds it.
 */
export async function unmount(mountPoint: string, waitMs = UNMOUNT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (await isMounted(mountPoint)) {
    try {
      await run('umount', [mountPoint]);
    } catch (error) {
      if (Date.now() < deadline && /busy/i.test(said(error))) {
        await sleep(200);
        continue;
      }
      const holders = await run('fuser', ['-vm', mountPoint]).then(
        (r) => `${r.stdout}${r.stderr}`.trim(),
        (e: unknown) => said(e),
      );
      throw new Error(
        `${mountPoint} could not be unmounted: ${said(error)}; using it: ${holders}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** e2fsck's exit statuses 1 and 2: errors were found and corrected. */
const corrected = (error: unknown): boolean =>
  [1, 2].includes((error as { code?: number }).code ?? -1);

/**
 * Grows the image's filesystem to `sizeGb`, offline: unmounted, extended (still sparse), checked
 * (resize2fs insists), grown, and mounted again whatever happened, the data kept.
 */
export async function growImage(
  image: string,
  mountPoint: string,
  sizeGb: number,
  user?: OsUser,
): Promise<void> {
  if ((await stat(image)).size > sizeGb * GB)
    throw new Error(`${image} is larger than ${sizeGb} GB already: volumes only grow`);
  await unmount(mountPoint);
  try {
    await truncate(image, sizeGb * GB);
    await run('e2fsck', ['-f', '-y', image]).catch((error: unknown) => {
      if (!corrected(error)) throw error;
    });
    await run('resize2fs', [image]);
  } catch (error) {
    throw new Error(`the filesystem did not grow: ${said(error)}`, { cause: error });
  } finally {
    await mountImage(image, mountPoint, user);
  }
}

export interface VolumeLog {
  warn(f: Record<string, unknown>, m: string): void;
}

/** Each instance's volume: made, mounted before its guest runs, grown, and removed with it. */
export class LocalVolumes {
  #toldNotEnforced = false;

  constructor(
    private readonly root: boolean,
    private readonly log: VolumeLog,
  ) {}

  /** Says once, loudly, that volume sizes are not enforced, and why. */
  #notEnforced(reason: string): void {
    if (this.#toldNotEnforced) return;
    this.#toldNotEnforced = true;
    this.log.warn(
      { reason },
      'volume sizes are NOT enforced: each instance keeps its data in a plain directory that can fill the host disk',
    );
  }

  /** The instance's volume in its directory (whose volume/ exists, the user's); undefined without a size. */
  async create(
    dir: string,
    user: OsUser | undefined,
    sizeGb: number | undefined,
  ): Promise<VolumeRecord | undefined> {
    if (sizeGb === undefined) return undefined;
    if (!this.root) {
      this.#notEnforced('Cellar is not running as root, and only root mounts filesystems');
      return { sizeGb, enforced: false };
    }
    try {
      await makeImage(volumeImage(dir), sizeGb, user);
      await mountImage(volumeImage(dir), volumeMount(dir), user);
      return { sizeGb, enforced: true };
    } catch (error) {
      await this.remove(dir);
      this.#notEnforced(`a filesystem image could not be made and mounted: ${said(error)}`);
      return { sizeGb, enforced: false };
    }
  }

  /** Before the guest runs (a create, a restart of the host or the agent): the volume is mounted. */
  async mount(dir: string, volume: VolumeRecord | undefined, user?: OsUser): Promise<void> {
    if (volume?.enforced) await mountImage(volumeImage(dir), volumeMount(dir), user);
  }

  /** Grows the volume to `sizeGb`: the database must be stopped. Answers what the record keeps. */
  async grow(
    dir: string,
    volume: VolumeRecord,
    sizeGb: number,
    user?: OsUser,
  ): Promise<VolumeRecord> {
    if (volume.enforced) await growImage(volumeImage(dir), volumeMount(dir), sizeGb, user);
    return { ...volume, sizeGb };
  }

  /** Unmounts and removes the image; throws (and removes nothing) while the volume cannot be unmounted. */
  async remove(dir: string): Promise<void> {
    await unmount(volumeMount(dir));
    await rm(volumeImage(dir), { force: true });
  }

  /**
   * Volumes under `instances` of instances the driver does not know (a create or a delete cut
   * short by a crash): unmounted, their images removed. Mounts of other deployments are not under it.
   */
  async removeOrphans(instances: string, known: ReadonlySet<string>): Promise<void> {
    if (!this.root) return;
    for (const path of await mountsUnder(instances)) {
      const id = path.slice(instances.length + 1).split('/')[0] ?? '';
      if (id === '' || known.has(id) || path !== volumeMount(join(instances, id))) continue;
      try {
        await this.remove(join(instances, id));
      } catch (error) {
        this.log.warn(
          { instance: id, err: error },
          'the volume of an unknown instance stays mounted',
        );
      }
    }
  }
}
