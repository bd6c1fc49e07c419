// Admins across projects end to end, with the simulated compute driver: an admin of another
// project shows, resets and deletes a member's instance through the admin's own project path
// (with `openstack database` as an operator would), the member is refused as Trove refuses, and
// the management API lists every project's instances and disables datastore versions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { signIn, type ApiSession, type Json } from '@cellar/server/testing';
import { runTool } from './support/repo.js';
import { pgInstance as pg, simulatedPlaneOfFile } from './support/simulated-plane.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'static-admin-token-for-tests';
const plane = simulatedPlaneOfFile();
const { api, until } = plane;

/** `openstack …` as an admin of the admin project, through the static admin token. */
async function os(...args: string[]): Promise<unknown> {
  const { stdout } = await run(
    'openstack',
    [
      '--os-auth-type',
      'admin_token',
      '--os-token',
      ADMIN_TOKEN,
      '--os-endpoint',
      `${plane.base}/v1.0/${plane.project}`,
      ...args,
    ],
    { env: { PATH: process.env['PATH'] ?? '', HOME: plane.state } },
  );
  // Commands without a table print a sentence (or nothing) rather than JSON.
  return args.includes('-f') ? JSON.parse(stdout) : stdout;
}

let member: ApiSession | undefined;
/** A member of project team-m (created once through cellar-manage). */
async function teamMember(): Promise<ApiSession> {
  if (member) return member;
  const set = ['--set', `DEFAULT.state_path=${plane.state}`];
  assert.equal((await runTool('cellar-manage', ['project', 'create', 'team-m', ...set])).code, 0);
  const user = ['user', 'create', 'mia', '--project', 'team-m', '--password', 'mia-pw', ...set];
  assert.equal((await runTool('cellar-manage', user)).code, 0);
  member = await signIn(plane.base, 'mia', 'mia-pw', 'team-m');
  return member;
}

async function memberInstance(name: string): Promise<string> {
  const mia = await teamMember();
  const created = await mia.call('POST', '/instances', pg({ name }));
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as Json)['id'] as string;
  await mia.untilInstance(id, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY', 15);
  return id;
}

test("an admin of another project shows, resets and deletes a member's failed instance through the admin's own project path (openstack database)", async () => {
  const mia = await teamMember();
  // The simulated driver fails the prepare of instances named broken*: a build error to fix.
  const created = await mia.call('POST', '/instances', pg({ name: 'broken-mia' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  await mia.untilInstance(id, (i) => i['status'] === 'ERROR', 'ERROR', 15);
  const shown = (await os('database', 'instance', 'show', id, '-f', 'json')) as Json;
  assert.deepEqual(
    [shown['name'], shown['status'], shown['tenant_id']],
    ['broken-mia', 'ERROR', mia.project],
  );
  const task = async (): Promise<unknown> =>
    ((await api('GET', `/mgmt/instances/${id}`)).json['instance'] as Json)['task_description'];
  assert.equal(await task(), 'BUILD_ERROR');
  assert.equal((await api('GET', `/instances/${id}/operations`)).status, 200);
  assert.equal((await api('GET', `/instances/${id}/backups`)).status, 200);

  assert.match(String(await os('database', 'instance', 'reset', 'status', id)), /accepted|^$/);
  assert.equal(await task(), 'NONE', 'reset_status cleared the failed task');
  await os('database', 'instance', 'delete', id);
  await mia.untilInstance(id, (i) => i['gone'] === true, 'deleted, as its owner sees it', 15);
});

test("a member gets 404 for another project's instance, 403 for reset_status and 401 on /mgmt", async () => {
  const mia = await teamMember();
  const created = await api('POST', '/instances', pg({ name: 'ops-db' }));
  const adminId = (created.json['instance'] as Json)['id'] as string;
  await until(adminId, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY');
  for (const [method, path, body] of [
    ['GET', `/instances/${adminId}`],
    ['DELETE', `/instances/${adminId}`],
    ['POST', `/instances/${adminId}/action`, { restart: {} }],
    ['GET', `/instances/${adminId}/backups`],
    ['GET', `/instances/${adminId}/operations`],
  ] as const)
    assert.equal((await mia.call(method, path, body)).status, 404, `${method} ${path}`);
  const own = await memberInstance('mia-own');
  const reset = await mia.call('POST', `/instances/${own}/action`, { reset_status: {} });
  assert.deepEqual(reset.json, {
    forbidden: {
      code: 403,
      message: 'Policy does not allow instance:reset_status to be performed.',
    },
  });
  const mgmt = await mia.call('GET', '/mgmt/instances');
  assert.deepEqual(mgmt.json, {
    unauthorized: { code: 401, message: 'User does not have admin privileges.' },
  });
  assert.equal((await api('GET', `/instances/${adminId}`)).status, 200, 'nothing was changed');
  await api('DELETE', `/instances/${adminId}`);
  await mia.call('DELETE', `/instances/${own}`);
});

test("/mgmt/instances lists both projects' instances, filtered by deleted and project_id, and shows one's history", async () => {
  const mia = await teamMember();
  const gone = await memberInstance('mia-gone');
  const live = await memberInstance('mia-live');
  await mia.call('DELETE', `/instances/${gone}`);
  await mia.untilInstance(gone, (i) => i['gone'] === true, 'deleted', 15);
  const created = await api('POST', '/instances', pg({ name: 'ops-live' }));
  const mine = (created.json['instance'] as Json)['id'] as string;
  const listed = async (query: string): Promise<string[]> => {
    const res = await api('GET', `/mgmt/instances${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return (res.json['instances'] as Json[])
      .map((i) => i['id'] as string)
      .filter((i) => [gone, live, mine].includes(i))
      .sort();
  };
  assert.deepEqual(await listed(''), [gone, live, mine].sort());
  assert.deepEqual(await listed('?deleted=true'), [gone]);
  assert.deepEqual(await listed('?deleted=false'), [live, mine].sort());
  assert.deepEqual(await listed(`?project_id=${mia.project}&deleted=false`), [live]);
  const all = (await os('database', 'instance', 'list', '--all-projects', '-f', 'json')) as Json[];
  assert.equal(all.find((r) => r['ID'] === live)?.['Tenant ID'], mia.project);

  const shown = (await api('GET', `/mgmt/instances/${gone}?deleted=true`)).json['instance'] as Json;
  assert.deepEqual([shown['deleted'], shown['tenant_id']], [true, mia.project]);
  const history = (shown['history'] as Json[]).map((o) => [o['kind'], o['status']]);
  assert.deepEqual(history, [
    ['delete', 'succeeded'],
    ['create', 'succeeded'],
  ]);
  assert.equal((await api('GET', `/mgmt/instances/${live}/rpc_ping`)).status, 204);
  assert.deepEqual((await api('GET', `/mgmt/instances/${live}/root`)).json, {
    root_history: { id: live, enabled: 'Never', user: 'Nobody' },
  });
  await mia.call('DELETE', `/instances/${live}`);
  await api('DELETE', `/instances/${mine}`);
});

test('a datastore version disabled with `openstack datastore version set --disable` refuses a create naming it', async () => {
  const versions = (await api('GET', '/mgmt/datastore-versions')).json['versions'] as Json[];
  const version = versions.find((v) => v['datastore_name'] === 'postgresql' && v['default']);
  assert.ok(version, 'postgresql has a default version');
  const name = version['name'] as string;
  await os('datastore', 'version', 'set', version['id'] as string, '--disable');
  try {
    const refused = await api(
      'POST',
      '/instances',
      pg({ name: 'old', datastore: { type: 'postgresql', version: name } }),
    );
    assert.equal(refused.status, 400);
    assert.match(
      JSON.stringify(refused.json),
      new RegExp(
        `Datastore version postgresql ${name} is not active: an administrator disabled it`,
      ),
    );
  } finally {
    await os('datastore', 'version', 'set', version['id'] as string, '--enable', '--default');
  }
  const again = await api(
    'POST',
    '/instances',
    pg({ name: 'new', datastore: { type: 'postgresql', version: name } }),
  );
  assert.equal(again.status, 200, JSON.stringify(again.json));
  await api('DELETE', `/instances/${(again.json['instance'] as Json)['id'] as string}`);
});

test("the management actions stop a member's database, reboot it back to HEALTHY and refuse an action they do not know", async () => {
  const mia = await teamMember();
  const id = await memberInstance('mia-stop');
  const action = (body: Json) => api('POST', `/mgmt/instances/${id}/action`, body);
  // Through the admin's own path, the instance's guest resources too.
  assert.equal((await api('GET', `/instances/${id}/databases`)).status, 200);
  assert.equal((await api('POST', `/instances/${id}/root`)).status, 200);
  const root = (await api('GET', `/mgmt/instances/${id}/root`)).json['root_history'] as Json;
  assert.notEqual(root['enabled'], 'Never');
  assert.notEqual(root['user'], 'Nobody');
  assert.deepEqual((await mia.call('GET', `/instances/${id}/root`)).json, { rootEnabled: true });
  assert.equal((await action({ stop: {} })).status, 202);
  await mia.untilInstance(id, (i) => i['operating_status'] === 'SHUTDOWN', 'SHUTDOWN', 15);
  assert.equal((await action({ reboot: {} })).status, 202);
  await mia.untilInstance(id, (i) => i['operating_status'] === 'HEALTHY', 'HEALTHY again', 15);
  const timeline = (await mia.call('GET', `/instances/${id}/operations`)).json['operations'];
  assert.equal((timeline as Json[])[0]?.['kind'], 'restart', 'the reboot is on its timeline');
  const unknown = await action({ migrate: {} });
  assert.equal(unknown.status, 400);
  assert.match(
    JSON.stringify(unknown.json),
    /action migrate is not one Cellar's management API knows: choose one of stop, reboot, reset-task-status/,
  );
  await mia.call('DELETE', `/instances/${id}`);
});
