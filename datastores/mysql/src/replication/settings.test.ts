// The replication settings every MariaDB instance runs with: a server_id of its own, binary logs
// with GTIDs kept strict, semi-sync only on a synchronous source, read_only only on a replica.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderServerConfig } from '../config.js';
import { replicationSettings, SEMI_SYNC_TIMEOUT_MS, serverIdOf } from './settings.js';

const A = '6f1c2a0e-1d3b-4c5e-9f70-0a1b2c3d4e5f';
const B = '6f1c2a0e-1d3b-4c5e-9f70-0a1b2c3d4e60';

test('each instance gets its own server_id, never 0, the same at every start', () => {
  assert.notEqual(serverIdOf(A), serverIdOf(B));
  assert.equal(serverIdOf(A), serverIdOf(A));
  for (const id of [A, B, '', 'x']) {
    const n = serverIdOf(id);
    assert.ok(Number.isInteger(n) && n >= 1 && n <= 4_294_967_295, String(n));
  }
});

test('a replica is read-only and a synchronous source waits for its acknowledgements', () => {
  const standalone = replicationSettings(A, undefined);
  assert.equal(standalone['log_bin'], 'mysql-bin');
  assert.equal(standalone['binlog_format'], 'ROW');
  assert.equal(standalone['gtid_strict_mode'], 1);
  assert.equal(standalone['log_slave_updates'], 1);
  assert.equal(standalone['read_only'], 0);
  assert.equal(standalone['rpl_semi_sync_master_enabled'], 0);
  const replica = { role: 'replica', sourceId: B, host: 'h', port: 1, synchronous: true } as const;
  assert.equal(replicationSettings(A, replica)['read_only'], 1);
  const source = { role: 'source', synchronous: true, replicaIds: [B] } as const;
  const settings = replicationSettings(A, source);
  assert.equal(settings['rpl_semi_sync_master_enabled'], 1);
  assert.equal(settings['rpl_semi_sync_master_timeout'], SEMI_SYNC_TIMEOUT_MS);
  assert.equal(settings['read_only'], 0);
});

test('the option file carries them for MariaDB only', () => {
  const base = {
    dataDir: '/d',
    address: '127.42.0.9',
    port: 3306,
    socket: '/s',
    pidFile: '/p',
    errorLog: '/l',
    filesDir: '/f',
    memoryMb: 512,
    replication: replicationSettings(A, undefined),
  } as const;
  const mariadb = renderServerConfig({ ...base, flavor: 'mariadb' }).split('\n');
  assert.ok(mariadb.includes(`server_id = ${serverIdOf(A)}`));
  assert.ok(mariadb.includes('gtid_strict_mode = 1'));
  const mysql = renderServerConfig({ ...base, flavor: 'mysql' });
  assert.ok(!mysql.includes('server_id'), 'MySQL knows no gtid_strict_mode: nothing is added');
});
