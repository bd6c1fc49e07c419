// The kit's checks of backup and restore strategies, and the manifest rule beside them: declared
// capabilities need strategies that load under their names and belong to the datastore; undeclared
// ones need none; create_backup itself is the guest agent's, not the manager's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineBackupStrategy, defineRestoreStrategy } from '../backup/strategy.js';
import type { Capability } from '../capabilities.js';
import { defineDatastoreGuest, defineDatastoreOptions } from '../define.js';
import { BaseDatastoreManager, type GuestContext } from '../manager/base-datastore-manager.js';
import type { ServiceStatus } from '../manager/guest-types.js';
import { validateManifest } from '../manifest.js';
import { standardGuestOptions, standardServerOptions } from '../options/standard-options.js';
import { checkGuestCapabilities, offlineContext, type DatastoreUnderTest } from './conformance.js';
import { checkStrategies } from './strategy-conformance.js';

const options = (backupStrategy: string) =>
  defineDatastoreOptions({
    name: 'memory',
    server: standardServerOptions({
      datastore: 'memory',
      tcpPorts: ['7000'],
      usageTimeout: 60,
      backupStrategy,
      replicationStrategy: '',
    }),
    guest: standardGuestOptions({
      datastore: 'memory',
      mountPoint: '/var/lib/memory',
      backupStrategy,
      replicationStrategy: '',
    }),
  });

class MemoryManager extends BaseDatastoreManager {
  async prepare(): Promise<void> {}
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return 'healthy';
  }
}

const backup = (name: string, datastore = 'memory') =>
  defineBackupStrategy({ name, datastore, incremental: false, backup: () => assert.fail() });
const restore = (name: string) =>
  defineRestoreStrategy({ name, datastore: 'memory', restore: () => assert.fail() });

function subject(capabilities: Capability[], backupStrategy = 'memdump'): DatastoreUnderTest {
  return {
    manifest: { plugin: 1, kind: 'datastore', name: 'memory', capabilities, entryPoints: [] },
    options: options(backupStrategy),
    guest: defineDatastoreGuest({ name: 'memory', manager: MemoryManager }),
  };
}

test('a datastore declaring backup and restore with its strategies conforms, without a createBackup of its own', async () => {
  const s = subject(['backup', 'restore']);
  const strategies = {
    backup: { memdump: backup('memdump') },
    restore: { memdump: restore('memdump') },
  };
  assert.deepEqual(checkStrategies(s, strategies), []);
  const offline = await offlineContext(s);
  try {
    const manager = new MemoryManager(offline.context as GuestContext);
    assert.deepEqual(await checkGuestCapabilities(s, manager), []);
  } finally {
    await offline.dispose();
  }
});

test('strategies of the wrong kind, name or datastore, or none the options name, are each named', () => {
  const problems = checkStrategies(subject(['backup', 'restore'], 'other'), {
    backup: {
      memdump: restore('memdump'),
      dump2: backup('dump3'),
      dump4: backup('dump4', 'redis'),
    },
    restore: { memdump: new Error('Cannot find module tar') },
  });
  const expected = [
    "cellar.backup.strategy 'memdump': exports a restore.strategy, expected a backup.strategy",
    "cellar.backup.strategy 'dump2': is named 'dump3', its entry point names it 'dump2'",
    "cellar.backup.strategy 'dump4': belongs to 'redis', not to memory",
    "cellar.restore.strategy 'memdump': does not load: Cannot find module tar",
    "option [memory] backup_strategy (guest): its default 'other' names no carried backup strategy",
    "cellar.restore.strategy: no 'dump2', so backups of the 'dump2' strategy cannot be restored",
  ];
  for (const e of expected)
    assert.ok(
      problems.some((p) => p.startsWith(e)),
      `${e}\n in\n${problems.join('\n')}`,
    );
});

test('a datastore declaring neither capability carries no strategy, and one declaring them carries some', () => {
  const carried = checkStrategies(subject([], ''), {
    backup: { memdump: backup('memdump') },
    restore: {},
  });
  assert.deepEqual(carried, [
    "cellar.backup.strategy: memdump carried, but capability 'backup' is not declared; declare it or remove the entry points",
  ]);
  const missing = checkStrategies(subject(['restore']), { backup: {}, restore: {} });
  assert.ok(
    missing.includes(
      "cellar.restore.strategy: capability 'restore' is declared but no strategy is carried",
    ),
    missing.join('\n'),
  );
});

test('a manifest declaring backup or restore without the strategy entry points is invalid', () => {
  const exportsField = {
    './options': './o.js',
    './backup': './b.js',
    './package.json': './package.json',
  };
  const manifest = (entryPoints: Record<string, unknown>) => ({
    plugin: 1,
    kind: 'datastore',
    name: 'memory',
    capabilities: ['backup', 'restore'],
    entryPoints: { 'cellar.datastore.options': './options', ...entryPoints },
  });
  const without = validateManifest(
    manifest({ 'cellar.backup.strategy': { memdump: './backup' } }),
    exportsField,
  );
  assert.deepEqual(without.ok ? [] : without.problems, [
    "cellar.entryPoints: capability 'restore' needs 'cellar.restore.strategy' entry points (its strategies)",
  ]);
  const complete = manifest({
    'cellar.backup.strategy': { memdump: './backup' },
    'cellar.restore.strategy': { memdump: './backup' },
  });
  assert.equal(validateManifest(complete, exportsField).ok, true);
});
