// The committed MariaDB catalog keeps out what a tenant must not set and gives the rules the
// server applies (dynamic variables apply at once, read-only ones after a restart).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockedBy } from './blocklist.js';
import { parseHelpOptions, toParameter } from './from-system-variables.js';
import { configuration } from './index.js';

const catalog = configuration.parameters('10.11') ?? [];
const byName = new Map(catalog.map((p) => [p.name, p]));

test('no blocklisted variable is in the MariaDB 10.11 catalog', () => {
  assert.ok(catalog.length > 100, `only ${catalog.length} parameters`);
  assert.deepEqual(
    catalog.filter((p) => blockedBy(p.name) !== undefined).map((p) => p.name),
    [],
  );
  for (const name of [
    'datadir',
    'port',
    'bind_address',
    'socket',
    'server_id',
    'gtid_strict_mode',
    'log_bin',
    'relay_log',
    'read_only',
    'rpl_semi_sync_master_enabled',
    'secure_file_priv',
    'ssl_cert',
    'local_infile',
    'general_log_file',
    'init_connect',
    'innodb_encrypt_tables',
  ])
    assert.equal(byName.has(name), false, `${name} must not be settable`);
});

test('max_connections applies at once; a read-only variable needs a restart; memory is checked', () => {
  const maxConnections = byName.get('max_connections');
  assert.equal(maxConnections?.type, 'integer');
  assert.equal(maxConnections?.restartRequired, false);
  assert.equal(maxConnections?.min, 10);
  assert.equal(byName.get('performance_schema')?.restartRequired, true);
  assert.equal(byName.get('innodb_log_buffer_size')?.restartRequired, true);
  assert.equal(byName.get('innodb_buffer_pool_size')?.bytesPerUnit, 1);
  assert.equal(byName.get('tmp_table_size')?.bytesPerUnit, 1);
  assert.equal(byName.get('thread_cache_size')?.bytesPerUnit, undefined);
  assert.equal(byName.get('max_binlog_cache_size')?.bytesPerUnit, undefined);
  assert.equal(byName.get('autocommit')?.type, 'boolean');
  assert.ok(byName.get('event_scheduler')?.choices?.includes('ON'));
});

test('an unknown version has no catalog', () => {
  assert.equal(configuration.parameters('5.5'), undefined);
});

test('session-only variables and those the option file does not take are left out', () => {
  const row = {
    VARIABLE_NAME: 'TIME_ZONE',
    VARIABLE_SCOPE: 'SESSION',
    VARIABLE_TYPE: 'VARCHAR',
    VARIABLE_COMMENT: null,
    NUMERIC_MIN_VALUE: null,
    NUMERIC_MAX_VALUE: null,
    ENUM_VALUE_LIST: null,
    READ_ONLY: 'NO',
  };
  assert.equal(toParameter(row, new Set(['default_time_zone'])), undefined);
  assert.equal(toParameter(row, new Set(['time_zone']))?.name, 'time_zone');
  assert.equal(
    toParameter({ ...row, VARIABLE_SCOPE: 'SESSION ONLY' }, new Set(['time_zone'])),
    undefined,
  );
});

test("the option names are read from --help's variables table", () => {
  const help = [
    'Usage: mariadbd [OPTIONS]',
    '  --max-connections=# The number of simultaneous clients allowed',
    '',
    'Variables (--variable-name=value)',
    'and boolean options {FALSE|TRUE}    Value (after reading options)',
    '----------------------------------- -------------',
    'autocommit                          TRUE',
    'max-connections                     151',
    '',
    'To see what values a running MariaDB server is using, type',
  ].join('\n');
  assert.deepEqual([...parseHelpOptions(help)], ['autocommit', 'max_connections']);
});
