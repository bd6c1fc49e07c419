// Host-wide address claims: one directory every deployment on the machine shares, so deployments
// with different state paths never hand the same loopback address to two instances.

import { randomUUID } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Where claims live unless configured: /run is tmpfs, so root's claims vanish with a reboot as the
 * servers do; other users get a directory of their own under the temporary directory.
 */
export function defaultHostClaimDir(): string {
  const uid = process.getuid?.();
  return uid === 0 ? '/run/cellar/addresses' : join(tmpdir(), `cellar-addresses-${uid ?? 'user'}`);
}

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * A claim is a directory `<dir>/<ip>/` holding one file with a name used once (a UUID) whose
 * content is the claiming instance's directory. It is made whole under a temporary name and
 * renamed into place: rename replaces only a missing or empty directory, atomically, so of racing
 * claimers exactly one wins. A stale claim is taken over by removing its own uniquely named file
 * (never anyone else's) and renaming again, so a fresh claim cannot be removed by mistake.
 */
export class HostClaims {
  constructor(private readonly dir: string) {}

  /** Makes the directory, and refuses one that another user could tamper with. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stat = await lstat(this.dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid))
      throw new Error(
        `[local] the host-wide address claims directory ${this.dir} is not a directory owned by this user`,
      );
    if ((stat.mode & 0o777) !== 0o700) await chmod(this.dir, 0o700);
  }

  /** True when the address is now claimed for that instance directory. */
  async claim(address: string, instanceDir: string): Promise<boolean> {
    const staging = join(this.dir, `.claim-${randomUUID()}`);
    await mkdir(staging, { mode: 0o700 });
    await writeFile(join(staging, randomUUID()), instanceDir);
    try {
      // Twice: a stale claim cleared after the first try leaves an empty directory to rename onto.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await rename(staging, join(this.dir, address));
          return true;
        } catch (error) {
          if (code(error) !== 'ENOTEMPTY' && code(error) !== 'EEXIST') throw error;
        }
        if (!(await this.#clearStale(address))) return false;
      }
      return false;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Gives up the address if that instance directory holds it. */
  async release(address: string, instanceDir: string): Promise<void> {
    const claim = join(this.dir, address);
    for (const [name, holder] of await this.#holders(address))
      if (holder === instanceDir) await unlink(join(claim, name)).catch(ignoreMissing);
    await rmdir(claim).catch((error: unknown) => {
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(code(error) ?? '')) throw error;
    });
  }

  /** Removes the address's stale holders; false when a live one holds it. */
  async #clearStale(address: string): Promise<boolean> {
    const holders = await this.#holders(address);
    for (const [, holder] of holders) if (!(await isStale(holder, address))) return false;
    for (const [name] of holders) await unlink(join(this.dir, address, name)).catch(ignoreMissing);
    return true;
  }

  /** The claim's files and the instance directories they name. */
  async #holders(address: string): Promise<[string, string][]> {
    const claim = join(this.dir, address);
    const names = await readdir(claim).catch((error: unknown) => {
      if (code(error) === 'ENOENT') return [];
      throw error;
    });
    const holders: [string, string][] = [];
    for (const name of names) {
      const holder = await readFile(join(claim, name), 'utf8').catch(() => undefined);
      if (holder !== undefined) holders.push([name, holder]);
    }
    return holders;
  }
}

function ignoreMissing(error: unknown): void {
  if (code(error) !== 'ENOENT') throw error;
}

/**
 * Stale when the instance directory is gone, or its deployment no longer claims the address for it
 * (`<instances>/.addresses/<ip>`, made before the host-wide claim and removed after it). What
 * cannot be read is kept: it may be a live instance of a deployment this process cannot see into.
 */
async function isStale(instanceDir: string, address: string): Promise<boolean> {
  try {
    await lstat(instanceDir);
    const own = await readFile(join(dirname(instanceDir), '.addresses', address), 'utf8');
    return own !== basename(instanceDir);
  } catch (error) {
    return code(error) === 'ENOENT';
  }
}
