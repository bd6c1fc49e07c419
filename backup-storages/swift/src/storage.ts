// The Swift backup storage. Layout (project_layout = account, Trove's): a project's objects are
// <reseller_prefix><project>/<container>/<key>, large ones as SLO manifests whose segments are in
// <container>_segments/<key>/<upload id>/<n>. With `container`: <container>_<project> in Cellar's account.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  BackupStorageFailed,
  checkKey,
  checkPrefix,
  checkProject,
  cutIntoParts,
  defineBackupStorage,
  verifySha256,
  type BackupObjectInfo,
  type BackupStorage,
  type BackupStorageValues,
  type GetBackupObject,
  type PutBackupObject,
  type StoredBackupObject,
} from '@cellar/plugin-api';
import { SwiftClient } from './client.js';
import options from './options.js';
import { putObject } from './put.js';
import { encodeKey } from './segments.js';

type Values = BackupStorageValues<(typeof options)['server']['options']>;

export interface ProjectPlace {
  /** `<account url>/<container>` */
  readonly containerUrl: string;
  readonly segmentsUrl: string;
  readonly segmentsContainer: string;
}

export class SwiftBackupStorage implements BackupStorage {
  readonly name = 'swift';
  readonly #client: SwiftClient;
  readonly #values: Values;
  readonly #containers = new Set<string>();

  constructor(values: Values) {
    this.#values = values;
    this.#client = new SwiftClient(values);
  }

  /** The storage URL, known once authenticated: locations are full object URLs, as Trove's. */
  async #place(project: string): Promise<ProjectPlace> {
    const { storageUrl } = await this.#client.session();
    const v = this.#values;
    const account =
      v.project_layout === 'account'
        ? storageUrl.replace(/\/[^/]+$/, `/${v.reseller_prefix}${checkProject(project)}`)
        : storageUrl;
    const container =
      v.project_layout === 'account' ? v.container : `${v.container}_${checkProject(project)}`;
    return {
      containerUrl: `${account}/${container}`,
      segmentsUrl: `${account}/${container}_segments`,
      segmentsContainer: `${container}_segments`,
    };
  }

  async locationOf(project: string, key: string): Promise<string> {
    checkKey(key);
    return `${(await this.#place(project)).containerUrl}/${key}`;
  }

  async #ensureContainer(url: string): Promise<void> {
    if (this.#containers.has(url)) return;
    const response = await this.#client.send({ method: 'PUT', url });
    if (response.statusCode !== 201 && response.statusCode !== 202)
      throw await this.#client.failure(response, 'create container', url);
    await response.body.dump();
    this.#containers.add(url);
  }

  async put(body: Readable, target: PutBackupObject): Promise<StoredBackupObject> {
    checkKey(target.key);
    const place = await this.#place(target.project);
    await this.#ensureContainer(place.containerUrl);
    const location = `${place.containerUrl}/${target.key}`;
    return putObject({
      client: this.#client,
      place,
      key: target.key,
      location,
      parts: cutIntoParts(body, this.#values.segment_size),
      digest: createHash('sha256'),
      signal: target.signal,
      ensureSegments: () => this.#ensureContainer(place.segmentsUrl),
    });
  }

  /** A location must point into this storage's Swift: the token is never sent anywhere else. */
  async #checked(location: string): Promise<string> {
    const { storageUrl } = await this.#client.session();
    const origin = new URL(storageUrl).origin;
    let url: URL | undefined;
    try {
      url = new URL(location);
    } catch {
      url = undefined;
    }
    if (url?.origin !== origin || !/^\/v1\/[^/]+\/[^/]+\/./.test(url.pathname))
      throw new BackupStorageFailed({
        storage: this.name,
        operation: 'use',
        object: location,
        reason: `it is not an object of the Swift at ${origin}`,
      });
    return location;
  }

  async get(location: string, options: GetBackupObject = {}): Promise<Readable> {
    const url = await this.#checked(location);
    const response = await this.#client.send({
      method: 'GET',
      url,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.statusCode !== 200) throw await this.#client.failure(response, 'read', location);
    const stream = response.body as unknown as Readable;
    if (options.sha256 === undefined) return stream;
    return verifySha256(stream, { storage: this.name, object: location, sha256: options.sha256 });
  }

  async delete(location: string, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const url = await this.#checked(location);
    const signal = options.signal ? { signal: options.signal } : {};
    const head = await this.#client.send({ method: 'HEAD', url, ...signal });
    await head.body.dump();
    if (head.statusCode === 404) return;
    if (head.statusCode !== 200) throw await this.#client.failure(head, 'delete', location);
    // A manifest goes with its segments; on a plain object Swift refuses multipart-manifest=delete.
    const manifest = String(head.headers['x-static-large-object']).toLowerCase() === 'true';
    const response = await this.#client.send({
      method: 'DELETE',
      url: manifest ? `${url}?multipart-manifest=delete` : url,
      headers: { accept: 'application/json' },
      ...signal,
    });
    if (response.statusCode === 404) return void (await response.body.dump());
    if (response.statusCode < 200 || response.statusCode >= 300)
      throw await this.#client.failure(response, 'delete', location);
    const answer = manifest ? ((await response.body.json()) as { 'Response Status'?: string }) : {};
    if (!manifest) await response.body.dump();
    const status = answer['Response Status'] ?? '200 OK';
    if (!/^(200|404)/.test(status))
      throw new BackupStorageFailed({
        storage: this.name,
        operation: 'delete',
        object: location,
        reason: `Swift answered ${status}`,
      });
  }

  async list(project: string, prefix = ''): Promise<BackupObjectInfo[]> {
    checkPrefix(prefix);
    const place = await this.#place(project);
    const response = await this.#client.send({
      method: 'GET',
      url: `${place.containerUrl}?format=json&prefix=${encodeURIComponent(prefix)}`,
    });
    if (response.statusCode === 404) {
      await response.body.dump();
      return [];
    }
    if (response.statusCode !== 200)
      throw await this.#client.failure(response, 'list', place.containerUrl);
    const names = (await response.body.json()) as { name: string; bytes: number }[];
    return names.map((o) => ({
      location: `${place.containerUrl}/${o.name}`,
      key: o.name,
      size: o.bytes,
    }));
  }

  /**
   * The objects under the prefix (a manifest with its segments), then the segments no manifest
   * names any more: those of an upload cut off before its manifest, which list() cannot show.
   */
  async purge(project: string, prefix: string): Promise<void> {
    for (const object of await this.list(project, prefix)) await this.delete(object.location);
    const place = await this.#place(project);
    for (const name of await this.#names(place.segmentsUrl, prefix)) {
      const url = `${place.segmentsUrl}/${encodeKey(name)}`;
      const response = await this.#client.send({ method: 'DELETE', url });
      await response.body.dump();
      if (response.statusCode !== 404 && (response.statusCode < 200 || response.statusCode >= 300))
        throw await this.#client.failure(response, 'delete', url);
    }
    const left = [
      ...(await this.list(project, prefix)).map((o) => o.key),
      ...(await this.#names(place.segmentsUrl, prefix)),
    ];
    if (left.length > 0)
      throw new BackupStorageFailed({
        storage: this.name,
        operation: 'delete',
        object: `${place.containerUrl}/${prefix}`,
        reason: `${left.length} object(s) are still there after their removal`,
      });
  }

  /** Object names of a container under a prefix; none when the container does not exist. */
  async #names(containerUrl: string, prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const response = await this.#client.send({
      method: 'GET',
      url: `${containerUrl}?format=json&prefix=${encodeURIComponent(prefix)}`,
    });
    if (response.statusCode === 404) {
      await response.body.dump();
      return [];
    }
    if (response.statusCode !== 200)
      throw await this.#client.failure(response, 'list', containerUrl);
    return ((await response.body.json()) as { name: string }[]).map((o) => o.name);
  }

  async close(): Promise<void> {}
}

export default defineBackupStorage({
  name: 'swift',
  options,
  async open(values) {
    return new SwiftBackupStorage(values);
  },
});
