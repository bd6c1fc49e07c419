// Configuration groups and parameters through the API of an in-process plane with simulated
// guests: Trove's shapes, the 422s naming parameter, value and rule, and DELETE while attached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Json } from '../testing/api-session.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import { configurablePolicies } from './test-catalog.js';

let plane: BackupPlane;
before(async () => {
  plane = await startBackupPlane({ datastores: configurablePolicies() });
});
after(() => plane.close());

const group = (values: Json, name = 'tuned', version = '15') =>
  plane.api('POST', '/configurations', {
    configuration: { name, values, datastore: { type: 'postgresql', version } },
  });

test("a version's parameters are served from its datastore plugin's catalog in Trove's four forms", async () => {
  const listed = await plane.api('GET', '/datastores/postgresql/versions/15/parameters');
  assert.equal(listed.status, 200);
  const params = listed.json['configuration-parameters'] as Json[];
  const maxConnections = params.find((p) => p['name'] === 'max_connections');
  const versionId = String(maxConnections?.['datastore_version_id']);
  assert.deepEqual(maxConnections, {
    name: 'max_connections',
    datastore_version_id: versionId,
    restart_required: true,
    type: 'integer',
    min: 1,
    max: 262143,
  });
  const shown = await plane.api('GET', '/datastores/postgresql/versions/15/parameters/work_mem');
  assert.equal(shown.json['restart_required'], false);
  assert.equal(shown.json['unit'], 'kB');
  const byId = await plane.api('GET', `/datastores/versions/${versionId}/parameters`);
  assert.equal((byId.json['configuration-parameters'] as Json[]).length, params.length);
  const oneById = await plane.api('GET', `/datastores/versions/${versionId}/parameters/jit`);
  assert.equal(oneById.json['type'], 'boolean');
  const unknown = await plane.api('GET', '/datastores/postgresql/versions/15/parameters/nope');
  assert.equal(unknown.status, 404);
  const none = await plane.api('GET', '/datastores/mysql/versions/15/parameters');
  assert.equal(none.status, 422);
  assert.match(JSON.stringify(none.json), /not supported for mysql version 15/);
});

test('a group with a bad value is refused with 422 naming the parameter, the value and the rule', async () => {
  const bad = await group({ max_connections: 0, log_min_messages: 'loud', nope: 1 });
  assert.equal(bad.status, 422);
  const message = String((bad.json['unprocessableEntity'] as Json)['message']);
  assert.match(message, /max_connections: 0 is below the minimum 1/);
  assert.match(message, /log_min_messages: "loud" is not one of the choices/);
  assert.match(message, /nope: unknown parameter for postgresql 15/);
  const noCatalog = await plane.api('POST', '/configurations', {
    configuration: { name: 'm', values: {}, datastore: { type: 'mysql' } },
  });
  assert.equal(noCatalog.status, 422);
  assert.match(JSON.stringify(noCatalog.json), /mysql version 15/);
  const listed = await plane.api('GET', '/configurations');
  assert.deepEqual(listed.json['configurations'], [], 'nothing was written');
});

test('a group is shown as Trove shows it, listed, and cannot be deleted while attached', async () => {
  const created = await group({ max_connections: 150 }, 'shown');
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const cfg = created.json['configuration'] as Json;
  const id = String(cfg['id']);
  assert.deepEqual(cfg['values'], { max_connections: 150 });
  assert.equal(cfg['datastore_name'], 'postgresql');
  assert.equal(cfg['datastore_version_name'], '15');
  assert.equal(cfg['instance_count'], 0);
  const listed = (await plane.api('GET', '/configurations')).json['configurations'] as Json[];
  assert.ok(listed.some((c) => c['id'] === id && !('values' in c)));
  const instance = await plane.instance('attached', { configuration: id });
  const shown = (await plane.api('GET', `/configurations/${id}`)).json['configuration'] as Json;
  assert.equal(shown['instance_count'], 1);
  const members = await plane.api('GET', `/configurations/${id}/instances`);
  assert.deepEqual(members.json['instances'], [{ id: instance, name: 'attached' }]);
  const refused = await plane.api('DELETE', `/configurations/${id}`);
  assert.equal(refused.status, 400);
  assert.match(
    String((refused.json['badRequest'] as Json)['message']),
    new RegExp(`cannot be deleted if it is associated .*${instance}`),
  );
  assert.equal((await plane.api('DELETE', `/instances/${instance}`)).status, 202);
  await plane.until(`/instances/${instance}`, 'itemNotFound', (o) => o['code'] === 404, 'deleted');
  assert.equal((await plane.api('DELETE', `/configurations/${id}`)).status, 202);
  assert.equal((await plane.api('GET', `/configurations/${id}`)).status, 404);
});

test("another project's group is not found, and cannot be attached", async () => {
  const created = await group({ jit: true }, 'private');
  const id = String((created.json['configuration'] as Json)['id']);
  assert.equal(
    (await plane.api('GET', `/configurations/${id}`, undefined, plane.member)).status,
    404,
  );
  const instance = await plane.instance('mine');
  const other = await plane.api('PUT', `/instances/${instance}`, {
    instance: { configuration: 'nope' },
  });
  assert.equal(other.status, 404);
});

test('a datastore without configuration groups refuses an attach with 501', async () => {
  const id = await plane.instance('no-groups', { datastore: { type: 'mysql' } });
  const refused = await plane.api('PUT', `/instances/${id}`, { instance: { configuration: 'x' } });
  assert.equal(refused.status, 501);
  assert.match(JSON.stringify(refused.json), /configuration_attach.*mysql/);
});
