import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Crc64 } from './crc64.js';

/** Redis's crc64.c bit by bit, in BigInt: slow, and independent of the tables. */
function reference(bytes: Uint8Array): string {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc.toString(16).padStart(16, '0');
}

test("CRC-64 is Redis's crc64 (Jones): its check value for 123456789", () => {
  assert.equal(new Crc64().update(Buffer.from('123456789')).hex(), 'e9c6d914c4b8d9ca');
});

test('the table gives the bitwise CRC, at any length, offset and split into pieces', () => {
  const pool = randomBytes(1100);
  for (const [offset, length] of [
    [0, 0],
    [1, 1],
    [2, 7],
    [3, 8],
    [0, 9],
    [5, 15],
    [0, 16],
    [6, 17],
    [1, 100],
    [3, 1000],
  ] as const) {
    const data = pool.subarray(offset, offset + length);
    assert.equal(new Crc64().update(data).hex(), reference(data), `length ${length}`);
    const split = Math.floor(length / 3);
    const pieces = new Crc64().update(data.subarray(0, split)).update(data.subarray(split));
    assert.equal(pieces.hex(), reference(data), `length ${length} in two pieces`);
  }
});
