// Streams every storage shares: one that counts and hashes what passes through (put), and one
// that checks the SHA-256 recorded at put while the object is read back (get).

import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { BackupChecksumMismatch } from '../errors/backup-storage-errors.js';

/** Passes bytes through unchanged, counting them and computing their SHA-256. */
export class DigestingStream extends Transform {
  #hash: Hash = createHash('sha256');
  #size = 0;
  #sha256: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.#sha256 = this.#hash.digest('hex');
    done();
  }

  /** Not `size`: upload libraries (lib-storage) take a `size` property for a known body length. */
  get bytes(): number {
    return this.#size;
  }

  /** The digest, once the stream has ended. */
  get sha256(): string {
    if (this.#sha256 === undefined) throw new Error('the SHA-256 is known only at the end');
    return this.#sha256;
  }
}

/** What a checked read names when it fails. */
export interface ChecksumSubject {
  readonly storage: string;
  readonly object: string;
  readonly sha256: string;
}

/** `source` checked against the recorded digest: the stream errors instead of ending on a mismatch. */
export function verifySha256(source: Readable, subject: ChecksumSubject): Readable {
  const hash = createHash('sha256');
  const expected = subject.sha256.toLowerCase();
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      if (actual === expected) return done();
      done(
        new BackupChecksumMismatch({
          storage: subject.storage,
          object: subject.object,
          expected,
          actual,
        }),
      );
    },
  });
  source.on('error', (error) => check.destroy(error));
  return source.pipe(check);
}

/** Reads `source` in pieces of exactly `size` bytes (the last may be shorter), for part uploads. */
export async function* cutIntoParts(
  source: AsyncIterable<Buffer>,
  size: number,
): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let parts = 0;
  for await (const chunk of source) {
    let rest = chunk;
    while (heldBytes + rest.length >= size) {
      const take = size - heldBytes;
      held.push(rest.subarray(0, take));
      yield Buffer.concat(held, size);
      parts += 1;
      rest = rest.subarray(take);
      held = [];
      heldBytes = 0;
    }
    if (rest.length > 0) {
      held.push(rest);
      heldBytes += rest.length;
    }
  }
  // An empty source is one empty part, so an empty object is stored like any other.
  if (heldBytes > 0 || parts === 0) yield Buffer.concat(held, heldBytes);
}
