// Sources the backup storage conformance suite streams into a storage: deterministic bytes made
// on the fly (so nothing large sits on disk or in one buffer), which can be cut short or fail.

import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const chunkSize = 64 * 1024;

/** The `index`-th chunk of the stream named `seed`: pseudo-random, so compression cannot cheat. */
function chunkOf(seed: string, index: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(`${seed}:${index}`).digest();
  for (let at = 0; at < length; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export interface SourcePlan {
  readonly seed: string;
  readonly size: number;
  /** Called after each chunk is handed out, with the bytes handed out so far. */
  readonly onProgress?: (bytes: number) => void;
  /** Fail the stream with this error once this many bytes were handed out. */
  readonly failAt?: { readonly bytes: number; readonly error: Error };
}

/** The stream of a plan; the same plan always gives the same bytes. */
export function sourceOf(plan: SourcePlan): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for (let at = 0, index = 0; at < plan.size; at += chunkSize, index += 1) {
      if (plan.failAt && at >= plan.failAt.bytes) throw plan.failAt.error;
      yield chunkOf(plan.seed, index, Math.min(chunkSize, plan.size - at));
      plan.onProgress?.(Math.min(at + chunkSize, plan.size));
      // Let the consumer's uploads run between chunks, as a real backup tool's pipe would.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Readable.from(generate(), { objectMode: false });
}

/** The SHA-256 of a plan's bytes, computed without holding them. */
export function sha256Of(plan: SourcePlan): string {
  const hash = createHash('sha256');
  for (let at = 0, index = 0; at < plan.size; at += chunkSize, index += 1)
    hash.update(chunkOf(plan.seed, index, Math.min(chunkSize, plan.size - at)));
  return hash.digest('hex');
}

/** Size and SHA-256 of what a stream yields. */
export async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** The largest regular file under `dir` (recursively), 0 for none. */
export async function largestFileUnder(dir: string): Promise<number> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  let largest = 0;
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) largest = Math.max(largest, info.size);
  }
  return largest;
}
