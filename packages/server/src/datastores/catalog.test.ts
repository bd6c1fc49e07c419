import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineDatastoreServer, type DatastoreVersionInfo } from '@cellar/plugin-api';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { createPluginRegistry } from '@cellar/plugins';
import { loadDatastores, syncCatalog, type Datastore } from './catalog.js';

function datastore(name: string, versions: DatastoreVersionInfo[]): Datastore {
  return {
    name,
    package: `@x/${name}`,
    version: '1.0.0',
    capabilities: [],
    server: defineDatastoreServer({ name, versions: async () => versions }),
  };
}

test('versions keep their ids across restarts; a version gone from the host becomes inactive, not deleted', async () => {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  try {
    await migrateToLatest(control.db);
    const both = [
      { name: '16', location: '/usr/lib/postgresql/16/bin', active: true },
      { name: '15', location: '/usr/lib/postgresql/15/bin', active: true },
    ];
    await syncCatalog(control.db, [
      datastore('postgresql', both),
      { name: 'bare', package: 'bare', version: '1', capabilities: [] },
    ]);
    const first = await control.db
      .selectFrom('datastore_versions')
      .selectAll()
      .orderBy('name')
      .execute();
    const pg = await control.db
      .selectFrom('datastores')
      .selectAll()
      .where('name', '=', 'postgresql')
      .executeTakeFirstOrThrow();
    assert.equal(pg.default_version_id, first.find((v) => v.name === '16')?.id);
    assert.ok(
      await control.db
        .selectFrom('datastores')
        .select('id')
        .where('name', '=', 'bare')
        .executeTakeFirst(),
      'a datastore without a server half is listed',
    );

    await syncCatalog(control.db, [datastore('postgresql', both.slice(1))]);
    const second = await control.db
      .selectFrom('datastore_versions')
      .selectAll()
      .orderBy('name')
      .execute();
    assert.deepEqual(
      second.map((v) => [v.id, v.name, v.active]),
      [
        [first[0]?.id, '15', 1],
        [first[1]?.id, '16', 0],
      ],
    );
    const after = await control.db
      .selectFrom('datastores')
      .selectAll()
      .where('name', '=', 'postgresql')
      .executeTakeFirstOrThrow();
    assert.equal(after.default_version_id, first[0]?.id);
  } finally {
    await control.close();
  }
});

test('an enabled datastore whose server half finds no version carries its reason and package', async () => {
  const plugin = (name: string, server: unknown) => ({
    package: `@x/${name}`,
    cellar: {
      plugin: 1,
      kind: 'datastore',
      name,
      capabilities: [],
      entryPoints: {
        'cellar.datastore.options': './options',
        'cellar.datastore.server': './server',
      },
    },
    // Only the server half is loaded here; the options entry is there for the manifest to hold.
    modules: { './options': {}, './server': server },
  });
  const host = createPluginRegistry({
    plugins: [
      plugin(
        'memcached',
        defineDatastoreServer({
          name: 'memcached',
          versions: async () => [],
          unavailable: async () => ({
            reason: 'no /usr/bin/memcached',
            debianPackage: 'memcached',
          }),
        }),
      ),
      plugin(
        'postgresql',
        defineDatastoreServer({
          name: 'postgresql',
          versions: async () => [{ name: '15', location: '/pg', active: true }],
        }),
      ),
    ],
  });
  const loaded = await loadDatastores(host, host.plugins);
  assert.deepEqual(
    loaded.map((d) => [d.name, d.unavailable]),
    [
      ['memcached', { reason: 'no /usr/bin/memcached', debianPackage: 'memcached' }],
      ['postgresql', undefined],
    ],
  );
});
