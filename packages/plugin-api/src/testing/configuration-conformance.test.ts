// The conformance check of the configuration capability: a catalog per installed version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigurationParameter } from '../configuration/parameters.js';
import { defineDatastoreServer } from '../define.js';
import type { PluginManifest } from '../manifest.js';
import { checkConfiguration, type DatastoreUnderTest } from './conformance.js';

const manifest: PluginManifest = {
  plugin: 1,
  kind: 'datastore',
  name: 'memory',
  capabilities: ['configuration'],
  entryPoints: [],
};

const good: ConfigurationParameter = {
  name: 'max_items',
  type: 'integer',
  min: 1,
  max: 100,
  restartRequired: false,
};

function subject(catalogs?: Record<string, ConfigurationParameter[]>): DatastoreUnderTest {
  return {
    manifest,
    options: undefined,
    server: defineDatastoreServer({
      name: 'memory',
      versions: async () => [
        { name: '1', location: '/x', active: true },
        { name: '2', location: '/x', active: true },
      ],
      ...(catalogs ? { configuration: { parameters: (v: string) => catalogs[v] } } : {}),
    }),
  };
}

test('a catalog for every installed version conforms', async () => {
  assert.deepEqual(await checkConfiguration(subject({ '1': [good], '2': [good] })), []);
});

test('declaring configuration without server.configuration is named', async () => {
  assert.deepEqual(await checkConfiguration(subject()), [
    "cellar.datastore.server: capability 'configuration' is declared but configuration.parameters() is missing",
  ]);
});

test('an installed version without a catalog and a malformed parameter are named', async () => {
  const bad = { ...good, name: 'bad', min: 5, max: 1, choices: ['a'] };
  assert.deepEqual(await checkConfiguration(subject({ '1': [bad] })), [
    'cellar.datastore.server: version 1: bad: min 5 is above max 1',
    'cellar.datastore.server: version 1: bad: choices on a parameter that is not a string',
    "cellar.datastore.server: configuration.parameters('2') answers no catalog for an installed version",
  ]);
});

test('a datastore not declaring configuration is not asked', async () => {
  assert.deepEqual(
    await checkConfiguration({ ...subject(), manifest: { ...manifest, capabilities: [] } }),
    [],
  );
});
