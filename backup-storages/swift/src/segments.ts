// Large objects as a Static Large Object: segments in <container>_segments named after the key and
// an upload id, then a manifest under the key. SLO rather than DLO: the manifest lists each
// segment's size and MD5, so Swift checks them and serves exactly those bytes (a DLO is whatever
// an eventually consistent listing of a prefix returns), and one DELETE removes the lot.

import { createHash, randomUUID } from 'node:crypto';
import type { SwiftClient } from './client.js';

export interface SegmentTarget {
  /** `<account url>/<segments container>`. */
  readonly containerUrl: string;
  /** `<segments container>`, for the manifest's paths. */
  readonly container: string;
  readonly key: string;
}

interface Uploaded {
  readonly path: string;
  readonly etag: string;
  readonly size_bytes: number;
}

export const md5Of = (part: Buffer): string => createHash('md5').update(part).digest('hex');

/** Uploads segments as they are cut, at most two at a time; removes them all if anything fails. */
export class SegmentUpload {
  readonly #prefix: string;
  readonly #uploaded: Uploaded[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;

  /**
   * Segment PUTs are not aborted with the put: one cut off on the client side may still be stored
   * after discard() has looked, so an abort stops new segments and lets these settle first.
   */
  constructor(
    private readonly client: SwiftClient,
    private readonly target: SegmentTarget,
  ) {
    this.#prefix = `${target.key}/${Date.now()}-${randomUUID()}`;
  }

  /** Starts one segment's upload; waits while two are already going. */
  async add(part: Buffer): Promise<void> {
    const index = this.#uploaded.length + this.#inFlight.size;
    const name = `${this.#prefix}/${String(index).padStart(8, '0')}`;
    const etag = md5Of(part);
    const upload = this.#put(name, part, etag).then(
      () => {
        this.#uploaded[index] = {
          path: `/${this.target.container}/${name}`,
          etag,
          size_bytes: part.length,
        };
      },
      (error: unknown) => {
        this.#failure ??= error;
      },
    );
    this.#inFlight.add(upload);
    void upload.finally(() => this.#inFlight.delete(upload));
    if (this.#inFlight.size >= 2) await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure as Error;
  }

  async #put(name: string, part: Buffer, etag: string): Promise<void> {
    const response = await this.client.send({
      method: 'PUT',
      url: `${this.target.containerUrl}/${name}`,
      headers: { etag, 'content-type': 'application/octet-stream' },
      body: part,
    });
    if (response.statusCode !== 201) throw await this.client.failure(response, 'write', name);
    await response.body.dump();
  }

  /** Waits for every segment; the manifest's entries, in order. */
  async finish(): Promise<readonly Uploaded[]> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure as Error;
    return this.#uploaded;
  }

  /**
   * Removes every segment of this upload that reached Swift, found by listing its prefix rather
   * than trusting the answers: a PUT cut off by an abort may still have been stored.
   */
  async discard(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    const prefix = encodeURIComponent(`${this.#prefix}/`);
    const listing = await this.client.send({
      method: 'GET',
      url: `${this.target.containerUrl}?format=json&prefix=${prefix}`,
    });
    if (listing.statusCode !== 200) return void (await listing.body.dump());
    const names = ((await listing.body.json()) as { name: string }[]).map((o) => o.name);
    for (const name of names) {
      const response = await this.client.send({
        method: 'DELETE',
        url: `${this.target.containerUrl}/${encodeKey(name)}`,
      });
      await response.body.dump();
    }
  }
}

/** A key in a URL path: each segment encoded, the slashes kept. */
export const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
