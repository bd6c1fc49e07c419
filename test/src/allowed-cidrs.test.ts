// allowed_cidrs at the API's edge: a malformed CIDR is a 400 naming the field and the value, on
// create and on a change of access, before anything is written or sent to a guest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { simulatedPlaneOfFile } from './support/simulated-plane.js';

const plane = simulatedPlaneOfFile();

const create = (name: string, allowed: string[]) =>
  plane.session.call('POST', '/instances', {
    instance: {
      name,
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'postgresql' },
      access: { allowed_cidrs: allowed },
    },
  });

const fault = (json: Json) => json['badRequest'] as Json | undefined;

test('allowed_cidrs such as 999.1.1.1/99 are refused at the API with the field and the value', async () => {
  for (const bad of ['999.1.1.1/99', '10.0.0.0/33', '2001:db8::/129']) {
    const refused = await create('refused', ['10.0.0.0/8', bad]);
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    assert.equal(
      fault(refused.json)?.['message'],
      `Validation error: body.instance.access.allowed_cidrs[1]: '${bad}' is not a CIDR such as 10.0.0.0/24 or 2001:db8::/64`,
    );
  }
  const listed = await plane.session.call('GET', '/instances');
  assert.deepEqual(listed.json['instances'], [], 'a refused create leaves no instance');

  const created = await create('reachable', ['10.0.0.0/8', '2001:db8::/64']);
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as Json)['id'] as string;
  await plane.session.untilInstance(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE', 15);
  const changed = await plane.session.call('PUT', `/instances/${id}`, {
    instance: { access: { allowed_cidrs: ['999.1.1.1/99'] } },
  });
  assert.equal(changed.status, 400, JSON.stringify(changed.json));
  assert.equal(
    fault(changed.json)?.['message'],
    "Validation error: body.instance.access.allowed_cidrs[0]: '999.1.1.1/99' is not a CIDR such as 10.0.0.0/24 or 2001:db8::/64",
  );
  const widened = await plane.session.call('PUT', `/instances/${id}`, {
    instance: { access: { allowed_cidrs: ['0.0.0.0/0', '::/0'] } },
  });
  assert.equal(widened.status, 202, JSON.stringify(widened.json));
});
