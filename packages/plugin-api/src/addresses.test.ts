import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALLOW_ALL_CIDRS, cidrProblems, isHostAddress, parseCidr } from './addresses.js';

test('CIDRs: IPv4 up to /32 and IPv6 up to /128 parse; out-of-range parts and zone ids do not', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr('2001:db8::/64'), {
    address: '2001:db8::',
    prefix: 64,
    family: 'ipv6',
  });
  assert.deepEqual(parseCidr('::ffff:10.1.2.3/128')?.family, 'ipv6');
  for (const ok of ['0.0.0.0/0', '::/0', '192.168.1.7/32', '::1/128', ...ALLOW_ALL_CIDRS])
    assert.ok(parseCidr(ok), ok);
  for (const bad of [
    '999.1.1.1/99',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '010.0.0.1/32',
    '2001:db8::/129',
    ':::/64',
    'fe80::1%eth0/64',
    '10.0.0.0',
    '10.0.0.0/',
    '/8',
    'example.org/24',
    ' 10.0.0.0/8',
  ])
    assert.equal(parseCidr(bad), undefined, bad);
});

test('CIDR problems name the field, the index and the value', () => {
  assert.deepEqual(cidrProblems('access.allowed_cidrs', undefined), []);
  assert.deepEqual(cidrProblems('access.allowed_cidrs', ['10.0.0.0/8', '1.2.3.4/40', '::/0']), [
    "access.allowed_cidrs[1]: '1.2.3.4/40' is not a CIDR such as 10.0.0.0/24 or 2001:db8::/64",
  ]);
});

test('host addresses: addresses of both families and host names, not ":::" or "999.1.1.1"', () => {
  for (const ok of ['127.0.0.1', '::', '::1', 'fe80::1%eth0', 'localhost', 'db-1.example.org'])
    assert.equal(isHostAddress(ok), true, ok);
  for (const bad of [':::', '999.1.1.1', '1.2.3', '1234', 'a..b', '-x', '', 'x_y.org'])
    assert.equal(isHostAddress(bad), false, bad);
});
