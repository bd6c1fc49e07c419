// The local backup storage: <path>/<project>/<key>. An object is written to a hidden temporary
// file beside its final name and renamed into place when complete, so a reader never sees half.

import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
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

  async put(body: Readable, target: PutBackupObject): Promise<StoredBackupObject> {
    const location = this.#locationOf(target.project, target.key);
    const file = this.#pathOf(location);
    const temporary = join(dirname(file), `.${basename(file)}.${randomUUID()}.part`);
    const digest = new DigestingStream();
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(temporary, 'wx', 0o600);
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
    const stream = handle.createReadStream(options.signal ? { signal: options.signal } : {});
    if (options.sha256 === undefined) return stream;
    return verifySha256(stream, { storage: this.name, object: location, sha256: options.sha256 });
  }

  async delete(location: string): Promise<void> {
    try {
      await rm(this.#pathOf(location), { force: true });
    } catch (error) {
      throw storageError('delete', location, error);
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

  async close(): Promise<void> {}

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
