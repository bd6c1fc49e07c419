// What makes a stream of bytes a whole RDB file, checked as it passes: the REDIS magic and format
// version at the start, the end-of-file opcode and the CRC-64 Redis wrote after it at the end.

import { Transform, type TransformCallback } from 'node:stream';
import { Crc64 } from './crc64.js';

/** The bytes after the data: the EOF opcode and the little-endian CRC-64 of all before it. */
const TRAILER_BYTES = 9;
/**
 * redis-cli --rdb - writes the 40-character EOF mark of a diskless sync after the RDB: it can
 * truncate a file to drop it, not its standard output.
 */
const SYNC_MARK_BYTES = 40;
/** Held back until the end decides which of the two it ends with. */
const HELD_BYTES = TRAILER_BYTES + SYNC_MARK_BYTES;
const EOF_OPCODE = 0xff;
const MAGIC = /^REDIS(\d{4})$/;

/** What the check found in a whole RDB. */
export interface RdbFacts {
  /** The RDB's own bytes, without a sync mark that followed them. */
  readonly size: number;
  /** The format version in its magic (10 for Redis 7.0). */
  readonly rdbVersion: number;
  /** Its CRC-64 as hex; all zeros when the server had rdbchecksum off. */
  readonly crc64: string;
}

export class RdbFormatError extends Error {
  override name = 'RdbFormatError';
}

const isHexMark = (b: Uint8Array): boolean => /^[0-9a-f]{40}$/.test(Buffer.from(b).toString());

/**
 * Whether `tail` (the stream's last bytes, after `crc` of all before them) ends the RDB at `end`:
 * the EOF opcode at end-9, and the CRC-64 of everything up to it stored in the 8 bytes after.
 */
function endsAt(crc: Crc64, tail: Buffer, end: number): 'ok' | 'crc' | 'no' {
  const at = end - TRAILER_BYTES;
  if (at < 0 || tail[at] !== EOF_OPCODE) return 'no';
  const stored = tail.subarray(at + 1, end);
  // Zero: written with rdbchecksum off, which Redis's own loader accepts unchecked.
  if (stored.every((b) => b === 0)) return 'ok';
  const computed = crc
    .copy()
    .update(tail.subarray(0, at + 1))
    .bytes();
  return computed.equals(stored) ? 'ok' : 'crc';
}

/**
 * A pass-through that fails the stream unless it is one whole RDB: wrong magic at once, a missing
 * end or a CRC-64 mismatch at the end. Drops redis-cli's trailing sync mark. `facts` is set once
 * the stream has ended well.
 */
export class RdbChecker extends Transform {
  /**
   * `settled`, when given, is awaited once the input has ended and before the end is judged: the
   * producer's exit, so that a tool that failed is reported as such rather than as a short RDB.
   */
  constructor(private readonly settled?: () => Promise<void>) {
    super();
  }

  #held = Buffer.alloc(0);
  #passed = 0;
  #crc = new Crc64();
  #version: number | undefined;
  facts: RdbFacts | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const all = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    if (this.#version === undefined && all.length >= 9) {
      const magic = MAGIC.exec(all.subarray(0, 9).toString('latin1'));
      if (!magic)
        return done(new RdbFormatError('it does not start with the REDIS magic of an RDB file'));
      this.#version = Number(magic[1]);
    }
    const out = this.#version === undefined ? 0 : Math.max(0, all.length - HELD_BYTES);
    if (out > 0) {
      const part = all.subarray(0, out);
      this.#crc.update(part);
      this.#passed += out;
      this.push(part);
    }
    this.#held = Buffer.from(all.subarray(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.settled === undefined) return this.#end(done);
    this.settled().then(
      () => this.#end(done),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }

  #end(done: TransformCallback): void {
    const tail = this.#held;
    const total = this.#passed + tail.length;
    if (this.#version === undefined)
      return done(new RdbFormatError(`it holds ${total} bytes, not even an RDB's header`));
    let end = tail.length;
    let verdict = endsAt(this.#crc, tail, end);
    // The sync mark's case first: a mark is 40 hex characters, which an RDB's trailer is not.
    if (tail.length === HELD_BYTES && isHexMark(tail.subarray(TRAILER_BYTES))) {
      end = TRAILER_BYTES;
      verdict = endsAt(this.#crc, tail, end);
    }
    if (verdict !== 'ok')
      return done(
        new RdbFormatError(
          verdict === 'crc'
            ? `its CRC-64 does not match its data: the RDB is damaged (${total} bytes)`
            : `it ends before the RDB's end-of-file marker: the RDB is truncated (${total} bytes)`,
        ),
      );
    const trailer = tail.subarray(0, end);
    this.push(trailer);
    const crc = Buffer.from(trailer.subarray(end - 8))
      .reverse()
      .toString('hex');
    this.facts = { size: this.#passed + end, rdbVersion: this.#version, crc64: crc };
    done();
  }
}
