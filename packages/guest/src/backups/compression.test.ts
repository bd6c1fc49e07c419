// Compression on the way to the storage and back: both kinds round-trip, zstd's failure on bad
// input is an error naming its exit status (never a short stream taken for the whole), and a
// backup compressed with a tool the guest lacks is refused by name.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, type Duplex, type Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { compressor, decompressor, findZstd } from './compression.js';

/** `input` through one filter, read whole; rejects with the filter's error. */
async function through(input: Buffer, filter: Duplex | Transform): Promise<Buffer> {
  const [, out] = await Promise.all([pipeline(Readable.from([input]), filter), buffer(filter)]);
  return out;
}

test('zstd and gzip each round-trip a backup', async (t) => {
  const zstd = await findZstd();
  const input = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 7)]);
  for (const kind of ['gzip', 'zstd'] as const) {
    if (kind === 'zstd' && zstd === undefined) {
      t.diagnostic('zstd is not on PATH here: only gzip is checked');
      continue;
    }
    const packed = await through(input, compressor(kind, zstd));
    assert.ok(packed.length < input.length, `${kind} compresses`);
    assert.ok((await through(packed, decompressor('b1', kind, zstd))).equals(input), kind);
  }
});

test('zstd failing on corrupt input is an error with its exit status, not a short stream', async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  const packed = await through(randomBytes(100_000), compressor('zstd', zstd));
  packed.writeUInt8(packed.readUInt8(40) ^ 0xff, 40);
  await assert.rejects(
    through(packed, decompressor('b1', 'zstd', zstd)),
    /zstd exited with status 1/,
  );
});

test('a backup compressed with zstd is refused by name on a guest without the tool', async () => {
  assert.throws(
    () => decompressor('b1', 'zstd', undefined),
    /Restoring backup b1 failed: it is compressed with zstd, and this guest has no zstd tool/,
  );
  assert.throws(() => decompressor('b1', 'lz4'), /its compression 'lz4' is not one Cellar knows/);
  assert.equal(await findZstd('/nonexistent'), undefined);
  assert.deepEqual(
    await buffer(Readable.from([Buffer.from('x')]).pipe(decompressor('b1', 'none'))),
    Buffer.from('x'),
  );
});
