// The committed PostgreSQL catalog keeps out what a tenant must not set and gives the rules the
// server applies (restart for postmaster settings, bytes per unit for memory).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blocklist } from './blocklist.js';
import { configuration } from './index.js';
import { toParameter } from './from-pg-settings.js';

const catalog = configuration.parameters('15') ?? [];
const byName = new Map(catalog.map((p) => [p.name, p]));

test('no blocklisted parameter is in the PostgreSQL 15 catalog', () => {
  const blocked = catalog.filter((p) =>
    blocklist.some((r) =>
      r.names.some((n) => (n.endsWith('_') ? p.name.startsWith(n) : p.name === n)),
    ),
  );
  assert.deepEqual(
    blocked.map((p) => p.name),
    [],
  );
  for (const name of [
    'listen_addresses',
    'port',
    'data_directory',
    'wal_level',
    'archive_mode',
    'archive_command',
    'primary_conninfo',
    'hot_standby',
    'ssl',
    'ssl_cert_file',
    'shared_preload_libraries',
    'password_encryption',
    'restore_command',
    'recovery_target_time',
  ])
    assert.equal(byName.has(name), false, `${name} must not be settable`);
});

test('max_connections needs a restart, work_mem applies at once and is memory', () => {
  assert.deepEqual(
    { ...byName.get('max_connections'), description: undefined },
    {
      name: 'max_connections',
      type: 'integer',
      min: 1,
      max: 262143,
      restartRequired: true,
      description: undefined,
    },
  );
  const workMem = byName.get('work_mem');
  assert.equal(workMem?.restartRequired, false);
  assert.equal(workMem?.unit, 'kB');
  assert.equal(workMem?.bytesPerUnit, 1024);
  assert.equal(byName.get('shared_buffers')?.bytesPerUnit, 8192);
  // WAL sizes and durations are not memory.
  assert.equal(byName.get('max_wal_size')?.bytesPerUnit, undefined);
  assert.equal(byName.get('statement_timeout')?.bytesPerUnit, undefined);
  assert.deepEqual(byName.get('synchronous_commit')?.choices, [
    'local',
    'remote_write',
    'remote_apply',
    'on',
    'off',
  ]);
});

test('an unknown version has no catalog', () => {
  assert.equal(configuration.parameters('9.6'), undefined);
});

test('internal and session-start settings are left out', () => {
  const row = {
    name: 'x',
    vartype: 'integer',
    category: 'Preset Options',
    unit: null,
    min_val: '1',
    max_val: '2',
    enumvals: null,
    short_desc: null,
  };
  assert.equal(toParameter({ ...row, context: 'internal' }), undefined);
  assert.equal(toParameter({ ...row, context: 'backend' }), undefined);
  assert.equal(toParameter({ ...row, context: 'superuser-backend' }), undefined);
  assert.equal(toParameter({ ...row, context: 'sighup' })?.restartRequired, false);
});
