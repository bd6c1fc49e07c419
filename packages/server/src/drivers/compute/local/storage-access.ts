// Lets each instance's OS user reach its project's backups in a storage kept on this machine
// (BackupStorage.hostDirectory), and no other project's, with POSIX ACLs: granted before the guest
// is told its instance, noted first and withdrawn before the user is removed (uids are reused).

import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ComputeDriverNotAvailable, type BackupStorage } from '@cellar/plugin-api';
import type { OsUser } from './os-users.js';
import { unreachable } from './permissions.js';

const run = promisify(execFile);

/** What a user was granted, in <instances>/.grants/<user>: written before the ACLs, removed after. */
const GrantRecordSchema = Type.Object({
  uid: Type.Integer(),
  dirs: Type.Array(Type.String()),
});

type GrantRecord = Static<typeof GrantRecordSchema>;

export interface StorageAccessSettings {
  /** Where grants are noted: <instances>/.grants. */
  readonly dir: string;
  /** Opens the chosen backup storage (once, at the first grant); undefined: backups are off. */
  readonly openStorage?: (() => Promise<BackupStorage>) | undefined;
  /** The setfacl program (tests name a missing one). */
  readonly setfacl?: string;
  readonly log: { warn(f: Record<string, unknown>, m: string): void };
}

const errorText = (error: unknown): string => {
  const stderr = (error as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim();
  return error instanceof Error ? error.message : String(error);
};

export class StorageAccess {
  readonly #setfacl: string;
  /** Every ACL change is made one at a time: setfacl reads, edits and writes an ACL back. */
  #queue: Promise<unknown> = Promise.resolve();
  #storage?: Promise<BackupStorage | undefined>;

  constructor(private readonly settings: StorageAccessSettings) {
    this.#setfacl = settings.setfacl ?? 'setfacl';
  }

  async open(): Promise<void> {
    await mkdir(this.settings.dir, { recursive: true, mode: 0o700 });
  }

  #serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(job, job);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The project's directory in the chosen storage, when that storage is on this machine. */
  async #directoryOf(project: string): Promise<string | undefined> {
    const open = this.settings.openStorage;
    if (!open) return undefined;
    this.#storage ??= open().catch((error: unknown) => {
      // Tried again at the next create; meanwhile guests are let into nothing.
      this.#storage = undefined;
      this.settings.log.warn(
        { err: error },
        'the backup storage could not be opened: no guest is let into its directory',
      );
      return undefined;
    });
    const storage = await this.#storage;
    return storage?.hostDirectory?.(project);
  }

  /**
   * Lets `user` read and write the project's directory, and read the objects already in it (a
   * restore reads an earlier instance's): each object keeps the mask its writer gave it (read-only
   * for others), so `-n`. A setfacl missing or refused stops the create.
   */
  async grant(user: OsUser, project: string): Promise<void> {
    const dir = await this.#directoryOf(project);
    if (dir === undefined) return;
    await this.#serial(async () => {
      await this.#prepare(dir);
      await this.#note(user, dir);
      const entry = `u:${user.uid}`;
      // The default entry first, so what the project's guests make meanwhile names the user too;
      // the directory's own entry last, as the recursive pass gives everything read only.
      await this.#acl(['-m', `u::rwx,g::---,o::---,d:${entry}:rwx`, dir]);
      await this.#acl(['-n', '-R', '-m', `${entry}:rX,d:${entry}:rwx`, dir]);
      await this.#acl(['-m', `${entry}:rwx`, dir]);
    });
  }

  /**
   * At a restart: an instance made before its user was let into the storage (or while the
   * storage was another) is let in now; its agent needs no restart, as ACLs name its uid.
   */
  async adopt(
    project: string | undefined,
    record: () => Promise<{ readonly user?: OsUser | undefined } | undefined>,
  ): Promise<void> {
    // A record that cannot be read is reported by the restart itself.
    const user = await record().then(
      (r) => r?.user,
      () => undefined,
    );
    if (!user || project === undefined) return;
    try {
      const dir = await this.#directoryOf(project);
      if (dir !== undefined && !(await this.#read(user.name))?.dirs.includes(dir))
        await this.grant(user, project);
    } catch (error) {
      this.settings.log.warn(
        { user: user.name, project, err: error },
        "a guest user could not be let into its project's backups: its backups and restores will be refused",
      );
    }
  }

  /** The project's directory, root's and closed to all but the ACL's users; the storage's passable. */
  async #prepare(dir: string): Promise<void> {
    const storage = dirname(dir);
    const made = await mkdir(storage, { recursive: true, mode: 0o711 });
    // Made here: passable whatever root's umask is (an operator's own directory is left as it is).
    for (let d = storage; made !== undefined && d.startsWith(made); d = dirname(d))
      await chmod(d, 0o711);
    const closed = await unreachable(
      [dir],
      "set the backup storage's path somewhere they can reach",
    );
    if (closed !== undefined)
      throw new ComputeDriverNotAvailable({ driver: 'local', reason: closed });
    await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await chown(dir, 0, 0);
  }

  async #acl(args: readonly string[]): Promise<void> {
    try {
      await run(this.#setfacl, [...args]);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const reason = missing
        ? `${this.#setfacl} is not installed: it comes with Debian's acl package (apt-get install acl), which lets each project's guests, and no other, reach its backups in the local storage`
        : `${this.#setfacl} ${args.join(' ')} failed: ${errorText(error)}`;
      throw new ComputeDriverNotAvailable({ driver: 'local', reason }, { cause: error });
    }
  }

  #recordPath(name: string): string {
    return join(this.settings.dir, name);
  }

  async #read(name: string): Promise<GrantRecord | undefined> {
    const text = await readFile(this.#recordPath(name), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      },
    );
    if (text === undefined) return undefined;
    const parsed: unknown = JSON.parse(text);
    // Unreadable, its user keeps its access and so is not removed: the warning says which.
    if (!Value.Check(GrantRecordSchema, parsed))
      throw new Error(`${this.#recordPath(name)} is not a record of granted directories`);
    return parsed;
  }

  /** Noted before any ACL names the user: a crash in between still finds it to withdraw. */
  async #note(user: OsUser, dir: string): Promise<void> {
    const known = await this.#read(user.name);
    const dirs = [...new Set([...(known?.dirs ?? []), dir])];
    const path = this.#recordPath(user.name);
    await writeFile(`${path}.new`, `${JSON.stringify({ uid: user.uid, dirs })}\n`, {
      mode: 0o600,
    });
    await rename(`${path}.new`, path);
  }

  /**
   * Removes every entry naming the user from every directory it was granted, and what is inside
   * (by uid: the next user given that uid must find none). The masks stay (`-n`): removing one
   * user's entry must not widen what the others may do. A directory gone is nothing to withdraw.
   */
  revoke(name: string): Promise<void> {
    return this.#serial(async () => {
      const record = await this.#read(name);
      if (!record) return;
      const entry = `u:${record.uid}`;
      for (const dir of record.dirs) {
        const present = await stat(dir).then(
          () => true,
          (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
        );
        if (present) await this.#acl(['-n', '-R', '-x', `${entry},d:${entry}`, dir]);
      }
      await rm(this.#recordPath(name), { force: true });
    });
  }

  async close(): Promise<void> {
    const storage = await this.#storage;
    this.#storage = undefined;
    await storage?.close();
  }
}
