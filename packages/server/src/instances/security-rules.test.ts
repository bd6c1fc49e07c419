import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationFailed } from '@cellar/plugin-api';
import { checkAllowedCidrs, securityRules } from './security-rules.js';

const pg = [{ from: 5432, to: 5432 }];

test('an instance without allowed_cidrs is open to IPv4 and IPv6 alike', () => {
  assert.deepEqual(
    securityRules(pg, [], []).map((r) => `${r.protocol} ${r.from} ${r.cidr}`),
    ['tcp 5432 0.0.0.0/0', 'tcp 5432 ::/0'],
  );
  assert.deepEqual(securityRules(pg, [], undefined), securityRules(pg, [], []));
  assert.deepEqual(
    securityRules(pg, pg, ['10.0.0.0/8']).map((r) => `${r.protocol} ${r.cidr}`),
    ['tcp 10.0.0.0/8', 'udp 10.0.0.0/8'],
  );
});

test('allowed_cidrs such as 999.1.1.1/99 are refused with the field and the value', () => {
  assert.doesNotThrow(() => checkAllowedCidrs('access.allowed_cidrs', ['10.0.0.0/8', '::/0']));
  assert.doesNotThrow(() => checkAllowedCidrs('access.allowed_cidrs', undefined));
  assert.throws(
    () => checkAllowedCidrs('body.instance.access.allowed_cidrs', ['10.0.0.0/8', '999.1.1.1/99']),
    (e: unknown) =>
      e instanceof ValidationFailed &&
      e.status === 400 &&
      e.message ===
        "Validation error: body.instance.access.allowed_cidrs[1]: '999.1.1.1/99' is not a CIDR such as 10.0.0.0/24 or 2001:db8::/64",
  );
});
