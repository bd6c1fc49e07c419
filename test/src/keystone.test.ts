// Cellar accepting a real Keystone's tokens ([identity] keystone_url), validated with its own
// service user as keystonemiddleware does: project and roles honoured, bad tokens refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlane } from '@cellar/server';
import { startTestControlPlane, type TestControlPlane } from '@cellar/server/testing';
import { startKeystone, type Keystone } from './support/keystone.js';
import { repoRoot } from './support/repo.js';
import { waitFor } from './support/wait-for.js';

let keystone: Keystone;
let running: TestControlPlane;
let plane: ControlPlane;
let demoProject: string;
let otherProject: string;

async function id(kind: 'roles' | 'projects', name: string): Promise<string> {
  const found = (await keystone.admin('GET', `/${kind}?name=${name}`))[kind] as { id: string }[];
  if (!found[0]) throw new Error(`Keystone has no ${kind} named ${name}`);
  return found[0].id;
}

before(async () => {
  keystone = await startKeystone();
  const create = async (
    kind: 'projects' | 'users',
    body: Record<string, unknown>,
  ): Promise<string> =>
    (
      (
        await keystone.admin('POST', `/${kind}`, {
          [kind.slice(0, -1)]: { domain_id: 'default', ...body },
        })
      )[kind.slice(0, -1)] as { id: string }
    ).id;
  const grant = (project: string, user: string, role: string) =>
    keystone.admin('PUT', `/projects/${project}/users/${user}/roles/${role}`);
  const admin = await id('roles', 'admin');
  const member = await id('roles', 'member');
  const service = await create('projects', { name: 'service' });
  await grant(
    service,
    await create('users', { name: 'cellar', password: 'cellar-service-secret' }),
    admin,
  );
  demoProject = await create('projects', { name: 'demo' });
  otherProject = await create('projects', { name: 'other' });
  await grant(
    demoProject,
    await create('users', { name: 'alice', password: 'alice-secret' }),
    member,
  );

  running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    `identity.keystone_url=${keystone.url}`,
    'identity.keystone_password=cellar-service-secret',
    'identity.keystone_cache_time=0.5',
  ]);
  plane = running.plane;
});
after(async () => {
  await running?.close();
  await keystone?.stop();
});

const get = (path: string, token: string) =>
  fetch(`${plane.endpoint}${path}`, { headers: { 'x-auth-token': token } });

test("Keystone's tokens are accepted with their project and roles; other projects are refused", async () => {
  const alice = await keystone.token('alice', 'alice-secret', 'demo');
  assert.equal(alice.projectId, demoProject);
  assert.equal((await get(`/v1.0/${demoProject}/flavors`, alice.token)).status, 200);
  assert.deepEqual(await (await get(`/v1.0/${demoProject}/instances`, alice.token)).json(), {
    instances: [],
  });
  assert.equal((await get(`/v1.0/${otherProject}/instances`, alice.token)).status, 403);
  const quotas = await get(`/v1.0/${demoProject}/mgmt/quotas/${otherProject}`, alice.token);
  assert.equal(quotas.status, 403, "a member may not read another project's quotas");
  const admin = await keystone.token('admin', 'keystone-admin-secret', 'admin');
  assert.equal(
    (await get(`/v1.0/${admin.projectId}/mgmt/quotas/${otherProject}`, admin.token)).status,
    200,
    'the admin role from Keystone counts',
  );
});

test('invalid and revoked tokens are refused with 401; the built-in identity endpoint is not served', async () => {
  const bogus = await get(`/v1.0/${demoProject}/flavors`, 'not-a-keystone-token');
  assert.equal(bogus.status, 401);
  const alice = await keystone.token('alice', 'alice-secret', 'demo');
  assert.equal((await get(`/v1.0/${demoProject}/flavors`, alice.token)).status, 200);
  await keystone.revoke(alice.token);
  // Cellar trusts a validated token for keystone_cache_time (0.5 s here), then asks Keystone again.
  const revoked = await waitFor(
    async () => {
      const answer = await get(`/v1.0/${demoProject}/flavors`, alice.token);
      return answer.status === 401 && answer;
    },
    { timeout: 5_000, what: 'the revoked token to be refused once the cache time is over' },
  );
  assert.match(
    ((await revoked.json()) as { unauthorized: { message: string } }).unauthorized.message,
    /Keystone does not know this token/,
  );
  assert.equal(
    (await fetch(`${plane.endpoint}/identity/v3/auth/tokens`, { method: 'POST' })).status,
    404,
  );
});
