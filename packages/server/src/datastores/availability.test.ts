// A datastore whose server binaries are missing, as a user meets it through the API: listed with
// the reason and the Debian package, and a create refused with 400 naming both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { defineDatastoreServer } from '@cellar/plugin-api';
import { startTestApi, type TestApi } from '../api/app-fixture.js';
import { buildApi, troveQuotaDefaults, troveRateLimits } from '../api/app.js';
import type { DatastorePolicy } from '../instances/deps.js';
import { unavailability } from './availability.js';
import { syncCatalog } from './catalog.js';

// A server half whose binaries this host lacks, as the memcached plugin's would be.
const absent = defineDatastoreServer({
  name: 'memcached',
  versions: async () => [],
  unavailable: async () => ({
    reason: 'no memcached under /usr/bin',
    debianPackage: 'memcached',
  }),
});

let api: TestApi;
let app: FastifyInstance;
let admin: string;
before(async () => {
  api = await startTestApi();
  const unavailable = await unavailability('memcached', absent);
  assert.ok(unavailable);
  await syncCatalog(api.control.db, [
    {
      name: 'memcached',
      package: 'm',
      version: '1',
      capabilities: [],
      server: absent,
      unavailable,
    },
  ]);
  const policy: DatastorePolicy = {
    capabilities: ['users'],
    rootOnCreate: false,
    passwordLength: 20,
    volumeSupport: false,
    tcpPorts: [],
    udpPorts: [],
    usageTimeout: 10,
    unavailable,
  };
  app = await buildApi({
    db: api.control.db,
    changeStamp: api.control.changeStamp,
    identity: api.identity,
    log: { error: () => undefined },
    version: '0.1.0',
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey: 'availability-test-key',
      datastores: new Map([['memcached', policy]]),
      runOperation: async () => undefined,
      guest: () => {
        throw new Error('no guests here');
      },
    },
    quotaDefaults: troveQuotaDefaults,
    rateLimits: troveRateLimits,
  });
  admin = await api.token('admin', 'admin-secret', 'admin');
});
after(async () => {
  await app.close();
  await api.close();
});

const reason = 'no memcached under /usr/bin; install the Debian package memcached';

test('a datastore whose binaries are missing is listed with the reason and its Debian package', async () => {
  const get = async (path: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1.0/${api.adminProject}/${path}`,
      headers: { 'x-auth-token': admin },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Record<string, unknown>>();
  };
  const { datastores } = (await get('datastores')) as { datastores: Record<string, unknown>[] };
  const listed = datastores.find((d) => d['name'] === 'memcached');
  assert.equal(listed?.['unavailable_reason'], reason);
  assert.equal(listed?.['unavailable_package'], 'memcached');
  assert.deepEqual(listed?.['versions'], []);
  const pg = datastores.find((d) => d['name'] === 'postgresql');
  assert.equal(pg?.['unavailable_reason'], undefined, 'an available datastore has no reason');
  const shown = (await get('datastores/memcached')) as { datastore: Record<string, unknown> };
  assert.equal(shown.datastore['unavailable_reason'], reason);
  assert.equal((await get('datastores/memcached/versions'))['unavailable_reason'], reason);
});

test('a create on a datastore whose binaries are missing is refused with 400 naming it', async () => {
  for (const datastore of [{ type: 'memcached' }, { type: 'memcached', version: '1.6' }]) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1.0/${api.adminProject}/instances`,
      headers: { 'x-auth-token': admin },
      payload: { instance: { name: 'cache', flavorRef: '1', datastore } },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(res.json(), {
      badRequest: {
        code: 400,
        message: `datastore memcached is unavailable on this host: ${reason}`,
      },
    });
  }
});

test('a server half without unavailable(), or no server half at all, still gets a reason', async () => {
  const quiet = defineDatastoreServer({ name: 'quiet', versions: async () => [] });
  assert.deepEqual(await unavailability('quiet', quiet), {
    reason: 'no version of quiet is installed on this host',
  });
  assert.deepEqual(await unavailability('bare', undefined), {
    reason: 'the bare plugin has no server half (no cellar.datastore.server entry)',
  });
  const present = defineDatastoreServer({
    name: 'here',
    versions: async () => [{ name: '1', location: '/bin', active: true }],
    unavailable: async () => ({ reason: 'never asked' }),
  });
  assert.equal(await unavailability('here', present), undefined);
});
