// zstd writing a restore's plain bytes straight into another tool's stdin: the tool reads the
// whole backup, and a stored stream that fails (its checksum) fails the fill, not the tool alone.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { compressor, findZstd } from './compression.js';
import { zstdInto } from './zstd-pipe.js';

/** sha256sum reading its stdin: what it received, as a digest. */
function digester(): { stdin: Writable; digest: Promise<string> } {
  const child = spawn('sha256sum', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const digest = buffer(child.stdout).then((out) => out.toString().split(' ')[0] ?? '');
  return { stdin: child.stdin, digest };
}

async function packed(input: Buffer, zstd: string): Promise<Buffer> {
  const filter = compressor('zstd', zstd);
  const [, out] = await Promise.all([pipeline(Readable.from([input]), filter), buffer(filter)]);
  return out;
}

test("zstd fills another tool's stdin with the whole backup", async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  const input = Buffer.concat([randomBytes(3_000_000), Buffer.alloc(5_000_000, 7)]);
  const reader = digester();
  const stored = Readable.from([await packed(input, zstd)]);
  await zstdInto(zstd, stored, reader.stdin, new AbortController().signal);
  assert.equal(await reader.digest, createHash('sha256').update(input).digest('hex'));
});

test('a stored stream failing at its end fails the fill with its own error', async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  const bytes = await packed(randomBytes(1_000_000), zstd);
  const mismatch = new Error('the SHA-256 of the stored backup differs from the recorded one');
  const stored = Readable.from(
    (async function* () {
      yield bytes;
      throw mismatch;
    })(),
  );
  const reader = digester();
  const filling = zstdInto(zstd, stored, reader.stdin, new AbortController().signal);
  await assert.rejects(filling, (error) => error === mismatch);
});

test("zstd's own failure on corrupt input fails the fill with its exit status", async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  const bytes = await packed(randomBytes(100_000), zstd);
  bytes.writeUInt8(bytes.readUInt8(40) ^ 0xff, 40);
  const reader = digester();
  const filling = zstdInto(
    zstd,
    Readable.from([bytes]),
    reader.stdin,
    new AbortController().signal,
  );
  await assert.rejects(filling, /zstd exited with status 1/);
});
