// The local backup storage: <path>/<project>/<key>. An object is written to a hidden temporary
// file beside its final name and renamed into place when complete, so a reader never sees half.
// <path>/<project> is the project's hostDirectory: a compute driver on this machine lets the
// project's guests, each its own OS user, reach it with ACLs (storage-access.ts of the local driver).

import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  BackupObjectNotFound,
  checkKey,
  checkPrefix,
  checkProject,
  defineBackupStorage,
  DigestingStream,
  verifySha256,
  type BackupObjectInfo,
  type BackupStorage,
  type GetBackupObject,
  type PutBackupObject,
  type StoredBackupObject,
} from '@cellar/plugin-api';
import options from './options.js';
import { storageError } from './errors.js';

const scheme = 'local:';
const DIRECTORY_MODE = 0o750;
const READ_CHUNK = 1024 * 1024;
const FILE_MODE = 0o640;

/** Temporary files start with a dot, which no key segment may: list() and readers skip them. */
const isTemporary = (name: string): boolean => name.startsWith('.');

export class LocalBackupStorage implements BackupStorage {
  readonly name = 'local';

  constructor(
    readonly root: string,
    private readonly fsync: boolean,
  ) {}

  async locationOf(project: string, key: string): Promise<string> {
    return this.#locationOf(project, key);
  }

  #locationOf(project: string, key: string): string {
    return `${scheme}${checkProject(project)}/${checkKey(key)}`;
  }

  #pathOf(location: string): string {
    const rest = location.startsWith(scheme) ? location.slice(scheme.length) : '';
    const slash = rest.indexOf('/');
    if (slash < 0) throw storageError('read', location, new Error('not a local storage location'));
    return join(this.root, checkProject(rest.slice(0, slash)), checkKey(rest.slice(slash + 1)));
  }

  /** The temporary file, its directory made first, and made again if a delete pruned it meanwhile. */
  async #openTemporary(temporary: string) {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(temporary), { recursive: true, mode: DIRECTORY_MODE });
      try {
        return await open(temporary, 'wx', FILE_MODE);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 2) throw error;
      }
    }
  }

  async put(body: Readable, target: PutBackupObject): Promise<StoredBackupObject> {
    const location = this.#locationOf(target.project, target.key);
    const file = this.#pathOf(location);
    const temporary = join(dirname(file), `.${basename(file)}.${randomUUID()}.part`);
    const digest = new DigestingStream();
    try {
      // Group bits are what a default ACL on the project's directory (set by a compute driver on
      // this machine) lets its other guests do: read, never write. Without ACLs the group is the
      // writer's own, so nothing widens.
      const handle = await this.#openTemporary(temporary);
      const signal = target.signal ? { signal: target.signal } : {};
      await pipeline(body, digest, handle.createWriteStream(), signal);
      if (this.fsync) await this.#sync(temporary);
      await rename(temporary, file);
      if (this.fsync) await this.#sync(dirname(file));
    } catch (error) {
      // Nothing may stay behind; a temporary file that was never created is no problem.
      await rm(temporary, { force: true }).catch(() => undefined);
      throw storageError('write', location, error, target.signal);
    }
    return { location, size: digest.bytes, sha256: digest.sha256 };
  }

  /** Flushes a file, or a directory so that a rename in it is durable too. */
  async #sync(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async get(location: string, options: GetBackupObject = {}): Promise<Readable> {
    const file = this.#pathOf(location);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BackupObjectNotFound({ storage: this.name, object: location });
      throw storageError('read', location, error);
    }
    // Large reads: a backup is read once, front to back, and each chunk costs a hash update.
    const stream = handle.createReadStream({
      highWaterMark: READ_CHUNK,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.sha256 === undefined) return stream;
    return verifySha256(stream, { storage: this.name, object: location, sha256: options.sha256 });
  }

  async delete(location: string): Promise<void> {
    const file = this.#pathOf(location);
    try {
      await rm(file, { force: true });
    } catch (error) {
      throw storageError('delete', location, error);
    }
    await this.#pruneEmptied(file);
  }

  /**
   * Removes the directories above a deleted object that it left empty, up to its project's: one
   * left behind would still belong to the OS user of an instance that is gone. A put racing the
   * pruning makes its directory again (see #openTemporary).
   */
  async #pruneEmptied(file: string): Promise<void> {
    const project = join(this.root, relative(this.root, file).split(sep)[0] ?? '');
    for (let dir = dirname(file); dir.startsWith(project + sep); dir = dirname(dir)) {
      // Not empty (ENOTEMPTY), or gone already: either way nothing above needs pruning by us.
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        return;
    }
  }

  async list(project: string, prefix = ''): Promise<BackupObjectInfo[]> {
    const dir = join(this.root, checkProject(project));
    checkPrefix(prefix);
    let names: string[];
    try {
      names = await readdir(dir, { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageError('list', `${scheme}${project}/`, error);
    }
    const found: BackupObjectInfo[] = [];
    for (const name of names.sort()) {
      const key = name.split(sep).join('/');
      if (!key.startsWith(prefix) || key.split('/').some(isTemporary)) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isFile())
        found.push({ location: this.#locationOf(project, key), key, size: info.size });
    }
    return found;
  }

  /** Objects under the prefix and the temporary files of puts to them that a crash cut off. */
  async purge(project: string, prefix: string): Promise<void> {
    checkPrefix(prefix);
    for (const name of await this.files(project)) {
      const parts = name.split(sep);
      const last = parts.pop() ?? '';
      const key = [...parts, last.replace(/^\.(.+)\.[0-9a-f-]{36}\.part$/, '$1')].join('/');
      if (!key.startsWith(prefix)) continue;
      const location = `${scheme}${checkProject(project)}/${parts.concat(last).join('/')}`;
      const file = join(this.root, project, name);
      try {
        await rm(file, { force: true });
      } catch (error) {
        throw storageError('delete', location, error);
      }
      await this.#pruneEmptied(file);
    }
  }

  async close(): Promise<void> {}

  hostDirectory(project: string): string {
    return join(this.root, checkProject(project));
  }

  /** Every file under the project, temporary ones included: what the conformance suite checks. */
  async files(project: string): Promise<string[]> {
    const dir = join(this.root, checkProject(project));
    const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    const files: string[] = [];
    for (const name of names) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isFile()) files.push(relative(dir, join(dir, name)));
    }
    return files.sort();
  }
}

export default defineBackupStorage({
  name: 'local',
  options,
  async open(values) {
    return new LocalBackupStorage(values.path, values.fsync);
  },
});
