import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAdmin, scopeOf } from './admin-context.js';
import { mgmtRules, Policy } from './policy.js';
import { routeRules } from './route-rules.js';

test("the admin role in any case is Trove's is_admin, and reaches every project; others their own", () => {
  assert.equal(isAdmin({ roles: ['member', 'Admin'] }), true);
  assert.equal(isAdmin({ roles: ['member', 'reader'] }), false);
  assert.equal(isAdmin({ roles: ['administrator'] }), false);
  assert.equal(scopeOf({ roles: ['ADMIN'], projectId: 'ops' }), undefined);
  assert.equal(scopeOf({ roles: ['member'], projectId: 'p1' }), 'p1');
  assert.equal(
    new Policy({ probe: 'is_admin:True' }).check(
      'probe',
      { tenant: 'x' },
      { roles: ['Admin'], projectId: 'x' },
    ),
    true,
  );
});

test('every management rule is admin-only by default, an operator may widen one, and each guards a route', () => {
  const policy = new Policy({ 'mgmt:instance:index': 'role:auditor' });
  const member = { roles: ['member'], projectId: 'p1' };
  const admin = { roles: ['admin'], projectId: 'ops' };
  for (const rule of mgmtRules) {
    assert.equal(new Policy().check(rule, { tenant: 'p1' }, member), false, rule);
    assert.equal(new Policy().check(rule, { tenant: 'p1' }, admin), true, rule);
    assert.ok(Object.values(routeRules).includes(rule), `${rule} guards no route`);
  }
  assert.equal(
    policy.check('mgmt:instance:index', { tenant: 'p1' }, { roles: ['auditor'], projectId: 'p1' }),
    true,
  );
});
