// The RDB check against bytes redis-server 7.0.15 really sent to `redis-cli --rdb -` (one key,
// a→b), with the 40-character sync mark redis-cli leaves after it, and damaged copies of them.

import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { RdbChecker, RdbFormatError, type RdbFacts } from './rdb-format.js';

const RDB_HEX =
  '524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa05637' +
  '4696d65c2bfa80d6bfa08757365642d6d656dc2e8190f00fa0e7265706c2d73747265616d2d6462c000fa0772' +
  '65706c2d69642837396665396562316464663733326132336337383066376233346334313034663031656364363' +
  '938fa0b7265706c2d6f6666736574c000fa08616f662d62617365c000fe00fb01000001610162ff37bae3bb01bd0ac9';
const MARK = '8e7bd17ce4d51dc861728879' + '0c6754df4375b487';
const rdb = Buffer.from(RDB_HEX, 'hex');
const withMark = Buffer.concat([rdb, Buffer.from(MARK)]);

/** The bytes through the checker in small chunks (as a pipe delivers them): what came out. */
async function checked(bytes: Buffer, chunk = 7): Promise<{ out: Buffer; facts?: RdbFacts }> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  const checker = new RdbChecker();
  const sink = new Writable({
    write: (c: Buffer, _e, done) => {
      out.push(c);
      done();
    },
  });
  await pipeline(Readable.from(parts), checker, sink);
  return { out: Buffer.concat(out), ...(checker.facts ? { facts: checker.facts } : {}) };
}

test("an RDB from redis-cli's standard output loses the sync mark and passes whole", async () => {
  assert.equal(MARK.length, 40);
  for (const size of [1, 7, 64, 4096]) {
    const { out, facts } = await checked(withMark, size);
    assert.deepEqual(out, rdb, `chunks of ${size}`);
    assert.deepEqual(facts, { size: 182, rdbVersion: 10, crc64: 'c90abd01bbe3ba37' });
  }
});

test('an RDB without a sync mark passes unchanged', async () => {
  const { out, facts } = await checked(rdb);
  assert.deepEqual(out, rdb);
  assert.equal(facts?.size, rdb.length);
});

test('a truncated RDB fails the stream, saying it is truncated', async () => {
  for (const cut of [rdb.length - 1, 120, 20, 5])
    await assert.rejects(
      checked(rdb.subarray(0, cut)),
      (e: unknown) =>
        e instanceof RdbFormatError && /truncated|not even an RDB's header/.test(e.message),
      `cut at ${cut}`,
    );
});

test('one flipped byte fails the stream with a CRC-64 mismatch', async () => {
  for (const bytes of [rdb, withMark]) {
    const damaged = Buffer.from(bytes);
    damaged[170] = (damaged[170] ?? 0) ^ 0x01;
    await assert.rejects(checked(damaged), /CRC-64 does not match/);
  }
});

test('what is not an RDB fails at its first bytes', async () => {
  await assert.rejects(
    checked(Buffer.from('NOPERM this user has no permissions to run the sync command\n')),
    /REDIS magic/,
  );
});
