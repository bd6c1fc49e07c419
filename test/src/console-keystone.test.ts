// The console's sign-in with a real Keystone ([identity] keystone_url): a Keystone user's
// password becomes a session the API accepts, a wrong one is refused, the switch to a project
// without a role on it is refused by Keystone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '@cellar/server/testing';
import { startKeystone, type Keystone } from './support/keystone.js';
import { repoRoot } from './support/repo.js';

let keystone: Keystone;
let running: TestControlPlane;
let demoProject: string;

async function setUpKeystone(): Promise<void> {
  const create = async (kind: 'projects' | 'users', body: Record<string, unknown>) => {
    const one = kind.slice(0, -1);
    const made = await keystone.admin('POST', `/${kind}`, {
      [one]: { domain_id: 'default', ...body },
    });
    return (made[one] as { id: string }).id;
  };
  const role = async (name: string) =>
    ((await keystone.admin('GET', `/roles?name=${name}`))['roles'] as { id: string }[])[0]?.id ??
    '';
  const grant = (project: string, user: string, r: string) =>
    keystone.admin('PUT', `/projects/${project}/users/${user}/roles/${r}`);
  const service = await create('projects', { name: 'service' });
  await grant(
    service,
    await create('users', { name: 'cellar', password: 'cellar-service-secret' }),
    await role('admin'),
  );
  demoProject = await create('projects', { name: 'demo' });
  await create('projects', { name: 'other' });
  await grant(
    demoProject,
    await create('users', { name: 'alice', password: 'alice-secret' }),
    await role('member'),
  );
}

before(async () => {
  keystone = await startKeystone();
  await setUpKeystone();
  running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    `identity.keystone_url=${keystone.url}`,
    'identity.keystone_password=cellar-service-secret',
  ]);
});
after(async () => {
  await running?.close();
  await keystone?.stop();
});

const session = (body: unknown, cookie = '') =>
  fetch(`${running.plane.endpoint}/dashboard/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });

test("a Keystone user's password signs in to the console, and the cookie reaches the API", async () => {
  const refused = await session({ username: 'alice', password: 'wrong', project: 'demo' });
  assert.equal(refused.status, 401);
  assert.match(await refused.text(), /Keystone refused it/);
  const res = await session({ username: 'alice', password: 'alice-secret', project: 'demo' });
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body['project_id'], demoProject);
  assert.equal(body['user'], 'alice');
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const flavors = await fetch(`${running.plane.endpoint}/v1.0/${demoProject}/flavors`, {
    headers: { cookie },
  });
  assert.equal(flavors.status, 200);
  const elsewhere = await session({ project: 'other' }, cookie);
  assert.equal(elsewhere.status, 401, 'alice holds no role on project other');
});
