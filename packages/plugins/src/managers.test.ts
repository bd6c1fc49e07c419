import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defineBackupStorage,
  defineBackupStrategy,
  defineBackupStorageOptions,
  defineDatastoreGuest,
  defineDatastoreOptions,
  defineDatastoreServer,
  PluginLoadFailed,
} from '@cellar/plugin-api';
import { createPluginRegistry } from './host.js';
import {
  driverManager,
  extensionManager,
  hookManager,
  namedExtensionManager,
  selectEnabled,
} from './managers.js';
import { problemsOf, formatPluginProblem } from './problems.js';

const manifest = (
  name: string,
  entryPoints: Record<string, unknown> = { 'cellar.datastore.options': './options' },
) => ({
  plugin: 1,
  kind: 'datastore',
  name,
  capabilities: [],
  entryPoints,
});
const options = (name: string) => defineDatastoreOptions({ name, server: {}, guest: {} });

function registry() {
  return createPluginRegistry({
    plugins: [
      { package: 'ds-a', cellar: manifest('alpha'), modules: { './options': options('alpha') } },
      {
        package: 'ds-b',
        version: '2.1.0',
        cellar: manifest('beta', {
          'cellar.datastore.options': './options',
          'cellar.datastore.server': './server',
          'cellar.datastore.guest': './guest',
        }),
        modules: {
          './options': options('beta'),
          './server': defineDatastoreServer({ name: 'beta', versions: async () => [] }),
          './guest': new Error('cannot find module "pg"', { cause: new Error('ENOENT') }),
        },
      },
      { package: 'ds-c', cellar: manifest('gamma'), modules: { './options': { not: 'branded' } } },
      {
        package: 'hooks-1',
        cellar: {
          ...manifest('hook1'),
          entryPoints: {
            'cellar.datastore.options': './options',
            'cellar.hooks.create': { audit: './audit' },
          },
        },
        modules: { './options': options('hook1'), './audit': 'one' },
      },
      {
        package: 'hooks-2',
        cellar: {
          ...manifest('hook2'),
          entryPoints: {
            'cellar.datastore.options': './options',
            'cellar.hooks.create': { audit: './audit' },
          },
        },
        modules: { './options': options('hook2'), './audit': 'two' },
      },
    ],
  });
}

test('driver: exactly one by name; none or several is an error naming what exists', async () => {
  const host = registry();
  const beta = await driverManager<unknown>(host, 'cellar.datastore.server', 'beta');
  assert.equal(beta.plugin.package, 'ds-b');
  await assert.rejects(
    driverManager(host, 'cellar.datastore.server', 'alpha'),
    /no plugin provides 'alpha'; available: beta/,
  );
  await assert.rejects(
    driverManager(host, 'cellar.hooks.create', 'audit'),
    /'audit' is provided by several plugins: hooks-1@0\.0\.0, hooks-2@0\.0\.0/,
  );
});

test('named: the listed ones in the given order; missing names and broken ones are reported together', async () => {
  const host = registry();
  const loaded = await namedExtensionManager(host, 'cellar.datastore.options', ['beta', 'alpha']);
  assert.deepEqual(
    loaded.map((e) => e.name),
    ['beta', 'alpha'],
  );
  const failure = await namedExtensionManager(host, 'cellar.datastore.options', [
    'alpha',
    'gamma',
    'delta',
  ]).catch((e: unknown) => e);
  assert.ok(failure instanceof PluginLoadFailed);
  assert.deepEqual(
    (problemsOf(failure) ?? []).map((p) => formatPluginProblem(p)),
    [
      "delta [cellar.datastore.options]: 'delta' is not installed; available: alpha, beta, gamma, hook1, hook2",
      "ds-c@0.0.0 (gamma) [cellar.datastore.options]: the default export is not a datastore.options made with @cellar/plugin-api's define helper",
    ],
  );
});

test('an import failure keeps the plugin, version, namespace and the whole cause chain', async () => {
  const failure = await driverManager(registry(), 'cellar.datastore.guest', 'beta').catch(
    (e: unknown) => e,
  );
  assert.ok(failure instanceof PluginLoadFailed);
  assert.equal(
    formatPluginProblem(problemsOf(failure)?.[0] ?? { message: '' }),
    'ds-b@2.1.0 (beta) [cellar.datastore.guest]: importing the entry point failed\n    cause: Error: cannot find module "pg"\n    caused by: Error: ENOENT',
  );
});

test('extension: everything in a namespace; hook: everything with one name', async () => {
  const host = registry();
  await assert.rejects(extensionManager(host, 'cellar.datastore.options'), PluginLoadFailed);
  const hooks = await hookManager<string>(host, 'cellar.hooks.create', 'audit');
  assert.deepEqual(
    hooks.map((h) => h.obj),
    ['one', 'two'],
  );
  assert.deepEqual(await hookManager(host, 'cellar.hooks.create', 'nothing'), []);
});

test('loading is lazy: an entry point is imported only when asked for, and once', async () => {
  let imports = 0;
  const host = createPluginRegistry({
    plugins: [
      {
        package: 'lazy',
        cellar: manifest('lazy', {
          'cellar.datastore.options': './options',
          'cellar.datastore.guest': './guest',
        }),
        modules: {
          './options': options('lazy'),
          get './guest'() {
            imports++;
            return defineDatastoreGuest({ name: 'lazy', manager: class {} as never });
          },
        },
      },
    ],
  });
  await namedExtensionManager(host, 'cellar.datastore.options', ['lazy']);
  assert.equal(imports, 0, 'the options namespace does not import the guest half');
  await driverManager(host, 'cellar.datastore.guest', 'lazy');
  await driverManager(host, 'cellar.datastore.guest', 'lazy');
  assert.equal(imports, 1);
});

test('enabling: * takes all; a missing name lists what is installed; disabled ones are noted', () => {
  const host = registry();
  const some = selectEnabled(host, 'datastore', ['alpha', 'nosql'], '[DEFAULT] enabled_datastores');
  assert.deepEqual(
    some.plugins.map((p) => p.manifest.name),
    ['alpha'],
  );
  assert.match(
    some.problems[0]?.message ?? '',
    /datastore 'nosql' is enabled in \[DEFAULT\] enabled_datastores but not installed; installed: alpha \(ds-a@0\.0\.0\), beta/,
  );
  assert.ok(
    some.notices.includes(
      "datastore 'beta' (ds-b@2.1.0) is installed but not enabled in [DEFAULT] enabled_datastores",
    ),
  );
  assert.equal(selectEnabled(host, 'datastore', ['*'], 'x').plugins.length, 5);
});

test('a backup storage entry loads brand-checked, and one calling itself by another name is refused', async () => {
  const storageOptions = (name: string) => defineBackupStorageOptions({ name, options: {} });
  const storage = (name: string) =>
    defineBackupStorage({ name, options: storageOptions(name), open: async () => assert.fail() });
  const plugin = (pkg: string, name: string, modules: Record<string, unknown>) => ({
    package: pkg,
    cellar: {
      plugin: 1,
      kind: 'backup-storage',
      name,
      entryPoints: {
        'cellar.backup.storage.options': './options',
        'cellar.backup.storage': './storage',
      },
    },
    modules,
  });
  const host = createPluginRegistry({
    plugins: [
      plugin('st-vault', 'vault', {
        './options': storageOptions('vault'),
        './storage': storage('vault'),
      }),
      plugin('st-liar', 'liar', {
        './options': storageOptions('liar'),
        './storage': storage('vault'),
      }),
    ],
  });
  const loaded = await driverManager<{ name: string }>(host, 'cellar.backup.storage', 'vault');
  assert.equal(loaded.obj.name, 'vault');
  await assert.rejects(driverManager(host, 'cellar.backup.storage', 'liar'), (error: unknown) => {
    assert.match(
      formatPluginProblem(problemsOf(error)?.[0] ?? { message: '' }),
      /the entry calls itself 'vault', but the package's cellar.name is 'liar'/,
    );
    return true;
  });
});

test('a strategy loads by its entry-point name, lazily when so given, and one named otherwise is refused', async () => {
  const backup = (name: string) =>
    defineBackupStrategy({
      name,
      datastore: 'memory',
      incremental: false,
      backup: async () => assert.fail(),
    });
  let imported = 0;
  const host = createPluginRegistry({
    plugins: [
      {
        package: 'ds-memory',
        cellar: {
          plugin: 1,
          kind: 'datastore',
          name: 'memory',
          entryPoints: {
            'cellar.datastore.options': './options',
            'cellar.backup.strategy': { memdump: './memdump', other: './other' },
          },
        },
        modules: { './options': {}, './other': backup('memdump') },
        lazy: { './memdump': async () => (imported++, backup('memdump')) },
      },
    ],
  });
  assert.equal(imported, 0, 'nothing imported before the entry is loaded');
  const loaded = await driverManager<{ name: string }>(host, 'cellar.backup.strategy', 'memdump');
  assert.equal(loaded.obj.name, 'memdump');
  assert.equal(imported, 1);
  await assert.rejects(driverManager(host, 'cellar.backup.strategy', 'other'), (error: unknown) => {
    assert.match(
      formatPluginProblem(problemsOf(error)?.[0] ?? { message: '' }),
      /the entry is the backup.strategy 'memdump', but its entry point names it 'other'/,
    );
    return true;
  });
});
