// The OS users guests run as when Cellar runs as root: one per instance (and per waiting
// standby), made with useradd and noted in a directory first, so this deployment removes its own
// users, and no other deployment's, even after a crash.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSystemUser, type SystemUser } from '@cellar/plugin-api/processes';

const run = promisify(execFile);

/** An instance's (or a bare server's) OS user: its name and ids. */
export type OsUser = SystemUser;

/** Gives `path` to the user, when there is one (guests running as Cellar's own user own nothing apart). */
export async function owned(path: string, user: OsUser | undefined): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}

/** A system user without a login or a home, with a group of its own, for one instance's guest and database. */
async function createUser(name: string): Promise<OsUser> {
  try {
    return await createSystemUser(name);
  } catch (error) {
    throw new Error(
      `the guest user '${name}' could not be created with useradd: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * What a user left in /dev/shm: PostgreSQL's dynamic shared memory segments, which an initdb or
 * a server killed half way does not remove. Only a user of an instance's own owns them.
 */
async function removeSharedMemory(name: string): Promise<void> {
  const uid = await run('id', ['-u', name]).then(
    (r) => Number(r.stdout),
    () => undefined,
  );
  if (uid === undefined || uid === 0) return;
  for (const entry of await readdir('/dev/shm').catch(() => [])) {
    const path = join('/dev/shm', entry);
    if ((await stat(path).catch(() => undefined))?.uid === uid) await rm(path, { force: true });
  }
}

/** userdel's exit status for a user that does not exist. */
const USERDEL_NO_SUCH_USER = 6;

export class GuestUsers {
  /** `dir` holds one empty file per user this deployment made; `root`: whether users are made at all. */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly root: boolean,
    private readonly log: { warn(f: Record<string, unknown>, m: string): void },
    /** Withdraws what the user was let into (storage-access.ts) before it is removed. */
    private readonly release?: (name: string) => Promise<void>,
  ) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** A new OS user for one instance when Cellar runs as root; Cellar's own (undefined) otherwise. */
  async create(): Promise<OsUser | undefined> {
    if (!this.root) return undefined;
    const name = `${this.prefix}${randomBytes(4).toString('hex')}`;
    // Noted before it exists: a control plane killed in between still finds it to remove.
    await writeFile(join(this.dir, name), '', { flag: 'wx' });
    try {
      return await createUser(name);
    } catch (error) {
      await rm(join(this.dir, name), { force: true });
      throw error;
    }
  }

  /**
   * Removes the user (userdel also removes its own group) and its note. A user userdel refuses
   * (8: a process still runs as it), or whose access to backups is not withdrawn, keeps its note,
   * so the next start removes it then.
   */
  async drop(name: string): Promise<void> {
    try {
      // Before userdel: its uid goes to the next user made, who must find no entry naming it.
      await this.release?.(name);
    } catch (error) {
      this.log.warn(
        { user: name, err: error },
        "a guest user's access to backups could not be withdrawn, so the user stays; Cellar tries again at its next start",
      );
      return;
    }
    await removeSharedMemory(name);
    try {
      await run('userdel', [name]);
    } catch (error) {
      if ((error as { code?: unknown }).code !== USERDEL_NO_SUCH_USER) {
        this.log.warn(
          { user: name, err: error },
          'a guest user could not be removed; Cellar tries again at its next start',
        );
        return;
      }
    }
    await rm(join(this.dir, name), { force: true });
  }

  /**
   * Users this deployment made that no instance names: standbys' users from a control plane that
   * died. Another deployment's users on this machine, with the same prefix, are not ours to touch.
   */
  async removeUnused(used: ReadonlySet<string>): Promise<void> {
    for (const name of await readdir(this.dir)) if (!used.has(name)) await this.drop(name);
  }
}
