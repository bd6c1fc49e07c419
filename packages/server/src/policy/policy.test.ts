import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Forbidden } from '@cellar/plugin-api';
import { Policy } from './policy.js';

const member = { roles: ['member'], projectId: 'p1' };
const admin = { roles: ['admin'], projectId: 'ops' };

test("Trove's defaults: owners and admins act on instances, anyone lists flavors, only admins reset", () => {
  const policy = new Policy();
  assert.equal(policy.check('instance:create', { tenant: 'p1' }, member), true);
  assert.equal(policy.check('instance:show', { tenant: 'p2' }, member), false);
  assert.equal(policy.check('instance:show', { tenant: 'p2' }, admin), true);
  assert.equal(policy.check('flavor:index', { tenant: 'p2' }, member), true);
  assert.equal(policy.check('instance:reset_status', { tenant: 'p1' }, member), false);
  assert.equal(policy.check('quota:update', { tenant: 'p1' }, admin), true);
  assert.throws(
    () => policy.enforce('instance:reset_status', { tenant: 'p1' }, member),
    (e: unknown) => e instanceof Forbidden && /instance:reset_status/.test(e.message),
  );
});

test('expressions: or, and, not, parentheses, @ and !; unknown checks and loops are errors', () => {
  const policy = new Policy({
    a: '(role:reader or role:member) and not role:banned',
    b: '@',
    c: '!',
    loop: 'rule:loop',
    odd: 'colour:blue',
  });
  assert.equal(policy.check('a', { tenant: 'p1' }, member), true);
  assert.equal(
    policy.check('a', { tenant: 'p1' }, { roles: ['member', 'banned'], projectId: 'p1' }),
    false,
  );
  assert.equal(policy.check('b', { tenant: 'x' }, member), true);
  assert.equal(policy.check('c', { tenant: 'x' }, admin), false);
  assert.throws(() => policy.check('loop', { tenant: 'x' }, member), /refers to itself/);
  assert.throws(
    () => policy.check('odd', { tenant: 'x' }, member),
    /'colour:blue' is not a check Cellar knows/,
  );
});

test('a policy file in YAML lines or JSON overrides the defaults it names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-policy-'));
  try {
    await writeFile(
      join(dir, 'policy.yaml'),
      '# operators only create\n"instance:create": "role:admin"\n\'flavor:index\': rule:admin_or_owner\n',
    );
    const yaml = Policy.fromFile(join(dir, 'policy.yaml'));
    assert.equal(yaml.check('instance:create', { tenant: 'p1' }, member), false);
    assert.equal(
      yaml.check('instance:delete', { tenant: 'p1' }, member),
      true,
      'unnamed rules keep their defaults',
    );
    await writeFile(join(dir, 'policy.json'), JSON.stringify({ 'instance:delete': 'role:admin' }));
    assert.equal(
      Policy.fromFile(join(dir, 'policy.json')).check('instance:delete', { tenant: 'p1' }, member),
      false,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a YAML rule whose expression has a colon keeps its override, quoted or as oslo writes it unquoted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-policy-'));
  const ops = { roles: ['ops'], projectId: 'p1' };
  try {
    for (const line of [
      '"instance:reset_status": "role:admin or role:ops"',
      'instance:reset_status: role:admin or role:ops',
    ]) {
      await writeFile(join(dir, 'policy.yaml'), `# reset by ops\n${line}\n`);
      const policy = Policy.fromFile(join(dir, 'policy.yaml'));
      assert.equal(policy.check('instance:reset_status', { tenant: 'p1' }, ops), true, line);
      assert.equal(policy.check('instance:reset_status', { tenant: 'p1' }, member), false, line);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unparseable policy file is refused with its file and line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-policy-'));
  const path = join(dir, 'policy.yaml');
  try {
    await writeFile(path, '"instance:create": "role:admin"\n"instance:delete": role: admin\n');
    assert.throws(() => Policy.fromFile(path), new RegExp(`^Error: ${path}:2: Nested mappings`));
    await writeFile(path, '"instance:create": "role:admin"\n"instance:delete":\n  nested: 1\n');
    assert.throws(
      () => Policy.fromFile(path),
      new RegExp(`^Error: ${path}:2: rule instance:delete: expected an expression string`),
    );
    await writeFile(path, '- role:admin\n');
    assert.throws(() => Policy.fromFile(path), new RegExp(`^Error: ${path}:1: expected a mapping`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
