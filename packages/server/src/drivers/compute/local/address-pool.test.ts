// Which addresses a pool gives: every address but the network's and the broadcast, loopback only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePool } from './address-pool.js';

test('a pool gives every address but the network and broadcast ones, on loopback only', () => {
  const dotted = (n: number): string =>
    [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const pool = parsePool('127.42.0.0/16');
  assert.deepEqual([dotted(pool.first), dotted(pool.last)], ['127.42.0.1', '127.42.255.254']);
  const small = parsePool('127.9.9.9/30');
  assert.deepEqual([dotted(small.first), dotted(small.last)], ['127.9.9.9', '127.9.9.10']);
  assert.throws(() => parsePool('10.0.0.0/8'), /not a loopback network/);
  assert.throws(() => parsePool('127.42.0.0/31'), /prefix of 8 to 30/);
  assert.throws(() => parsePool('127.300.0.0/16'), /not a loopback network/);
});
