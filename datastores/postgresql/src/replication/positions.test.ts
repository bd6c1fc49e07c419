import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lsnToNumber, primaryConninfo, slotName } from './positions.js';

test('an LSN compares as bytes of WAL, the high half worth 2^32', () => {
  assert.equal(lsnToNumber('0/3000148'), 0x3000148);
  assert.equal(lsnToNumber('16/B374D848'), 0x16 * 2 ** 32 + 0xb374d848);
  assert.ok(lsnToNumber('1/0') > lsnToNumber('0/FFFFFFFF'));
  assert.throws(() => lsnToNumber('3000148'), /not a WAL position/);
});

test('a slot name is a valid identifier made from the replica id', () => {
  assert.equal(
    slotName('0A1B2C3D-0000-4000-8000-00000000CAFE'),
    'cellar_0a1b2c3d_0000_4000_8000_00000000cafe',
  );
});

test('primary_conninfo quotes what libpq would read as syntax', () => {
  const conninfo = primaryConninfo(
    {
      sourceId: 's',
      host: '127.0.0.2',
      port: 5432,
      user: 'u',
      password: "a'b\\c d",
      synchronous: false,
    },
    'r-1',
  );
  assert.match(conninfo, /password='a\\'b\\\\c d'/);
  assert.match(conninfo, /application_name='cellar_r_1'/);
});
