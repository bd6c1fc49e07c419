// The part of a log's file not yet published. Logs are rotated by copying them aside and truncating
// them in place (log-rotation.ts), so a file shorter than the published offset was rotated: what
// followed the offset is in `<file>.1`, and the whole file is new.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** A byte range [start, end) of a file. */
export interface FileRange {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface NewPart {
  /** The ranges in the order they were written. */
  readonly ranges: readonly FileRange[];
  /** Unpublished bytes of the file (and of its rotated copy). */
  readonly pending: number;
  /** Where the next publish will start once these ranges are published. */
  readonly next: number;
  /** The file's head as it will be recorded with `next`. */
  readonly head: string | undefined;
  /** Whether the file was rotated since the offset was recorded. */
  readonly rotated: boolean;
  /** Whether the file exists at all. */
  readonly exists: boolean;
}

const sizeOf = async (file: string): Promise<number | undefined> =>
  (await stat(file).catch(() => undefined))?.size;

/** How much of a file's beginning tells a rotated file from the one published. */
export const HEAD_BYTES = 1024;

/** SHA-256 of the file's first `length` bytes; undefined when it has fewer or is gone. */
export async function headOf(file: string, length: number): Promise<string | undefined> {
  if (length === 0) return undefined;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return bytesRead === length ? createHash('sha256').update(buffer).digest('hex') : undefined;
  } finally {
    await handle.close();
  }
}

/** What was published of the file: how far, and what its beginning was. */
export interface Published {
  readonly offset: number;
  readonly head?: string | undefined;
}

const headLength = (offset: number): number => Math.min(offset, HEAD_BYTES);

export async function newPart(file: string, published: Published): Promise<NewPart> {
  const { offset } = published;
  const size = await sizeOf(file);
  if (size === undefined)
    return { ranges: [], pending: 0, next: 0, head: undefined, rotated: offset > 0, exists: false };
  const head = await headOf(file, headLength(size));
  const whole = size > 0 ? [{ file, start: 0, end: size }] : [];
  const same =
    size >= offset &&
    (published.head === undefined || (await headOf(file, headLength(offset))) === published.head);
  if (same) {
    const ranges = size > offset ? [{ file, start: offset, end: size }] : [];
    return { ranges, pending: size - offset, next: size, head, rotated: false, exists: true };
  }
  // The rotated copy's rest is this log's only if the copy begins as the file published did.
  const copy = `${file}.1`;
  const copied = (await sizeOf(copy)) ?? 0;
  const ours =
    copied > offset &&
    (published.head === undefined || (await headOf(copy, headLength(offset))) === published.head);
  const rest = ours ? [{ file: copy, start: offset, end: copied }] : [];
  const ranges = [...rest, ...whole];
  const pending = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
  return { ranges, pending, next: size, head, rotated: true, exists: true };
}

/** The ranges as one stream, read one after another. */
export function readRanges(ranges: readonly FileRange[]): Readable {
  const out = new PassThrough();
  void (async () => {
    try {
      for (const r of ranges)
        for await (const chunk of createReadStream(r.file, { start: r.start, end: r.end - 1 }))
          if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
      out.end();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}

/**
 * Keeps what `pick` takes of each entry: an entry is a line matching `entryStart` with the lines
 * after it that do not (a statement over several lines, a stack trace).
 */
export function pickEntries(
  entryStart: RegExp,
  pick: (entry: string) => string | undefined,
): Transform {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let entry = '';
  const flush = (push: (text: string) => void): void => {
    const picked = entry === '' ? undefined : pick(entry);
    if (picked !== undefined && picked !== '') push(picked);
    entry = '';
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const lines = (carry + decoder.write(chunk)).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (entryStart.test(line)) flush((text) => this.push(text));
        entry += `${line}\n`;
      }
      done();
    },
    flush(done: TransformCallback) {
      carry += decoder.end();
      if (carry !== '') {
        if (entryStart.test(carry)) flush((text) => this.push(text));
        entry += `${carry}\n`;
      }
      flush((text) => this.push(text));
      done();
    },
  });
}
