// The files Cellar writes for PostgreSQL: settings sized from the flavor, pg_hba.conf from the CIDRs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { checkCidr, confString, memorySettings, renderCellarConf, renderHba } from './config.js';

const badRequest = (error: unknown): boolean =>
  isCellarError(error) && error.code === 'CELLAR_BAD_REQUEST';
const settings = { address: '10.0.0.5', port: 5432, socketDir: '/run/cellar', memoryMb: 4096 };
const value = (conf: string, name: string): string | undefined =>
  new RegExp(`^${name} = (.*)$`, 'm').exec(conf)?.[1];

test('memory follows the flavor: a quarter as shared buffers, three quarters as cache', () => {
  const conf = renderCellarConf(settings);
  assert.equal(value(conf, 'shared_buffers'), '1024MB');
  assert.equal(value(conf, 'effective_cache_size'), '3072MB');
  assert.equal(value(conf, 'maintenance_work_mem'), '256MB');
  assert.equal(value(conf, 'max_connections'), '400');
});

test('small flavors keep 100 connections and workable memory; large ones are capped', () => {
  const small = memorySettings(512);
  assert.equal(small.maxConnections, 100);
  assert.equal(small.sharedBuffersMb, 128);
  assert.ok(small.workMemKb >= 1024);
  assert.equal(small.maintenanceWorkMemMb, 32);
  const tiny = memorySettings(64);
  assert.equal(tiny.sharedBuffersMb, 16);
  assert.equal(tiny.maintenanceWorkMemMb, 16);
  const huge = memorySettings(256 * 1024);
  assert.equal(huge.maxConnections, 1000);
  assert.equal(huge.maintenanceWorkMemMb, 2048);
  assert.throws(() => memorySettings(0), badRequest);
  assert.throws(() => memorySettings(Number.NaN), badRequest);
});

test('the server listens on the instance address and port, its socket in the run directory', () => {
  const conf = renderCellarConf(settings);
  assert.equal(value(conf, 'listen_addresses'), "'10.0.0.5'");
  assert.equal(value(conf, 'port'), '5432');
  assert.equal(value(conf, 'unix_socket_directories'), "'/run/cellar'");
  assert.equal(value(conf, 'password_encryption'), "'scram-sha-256'");
  assert.equal(value(conf, 'log_min_duration_statement'), '-1');
  assert.throws(() => renderCellarConf({ ...settings, socketDir: '/run/a,b' }), badRequest);
});

test('with a WAL archive the server gzips every completed WAL file into it, atomically', () => {
  const conf = renderCellarConf({
    ...settings,
    wal: { archiveDir: '/var/lib/postgresql/wal-archive', always: true, archiveTimeoutS: 60 },
  });
  assert.equal(value(conf, 'archive_mode'), 'on');
  assert.equal(value(conf, 'archive_timeout'), '60');
  assert.equal(
    value(conf, 'archive_command'),
    "'gzip -1 -n -c %p > /var/lib/postgresql/wal-archive/.%f.gz.tmp && mv -f /var/lib/postgresql/wal-archive/.%f.gz.tmp /var/lib/postgresql/wal-archive/%f.gz'",
  );
  assert.equal(value(renderCellarConf(settings), 'archive_mode'), undefined);
  const untilFull = renderCellarConf({
    ...settings,
    wal: { archiveDir: '/a', always: false, archiveTimeoutS: 0 },
  });
  assert.match(
    value(untilFull, 'archive_command') ?? '',
    /^'test -f \/a\/\.archiving \|\| exit 0; gzip /,
  );
  const unsafe = { archiveDir: "/var/lib/x'; rm -rf /", always: true, archiveTimeoutS: 0 };
  assert.throws(() => renderCellarConf({ ...settings, wal: unsafe }), badRequest);
});

test('configuration strings escape quotes and backslashes, which the file parser would read', () => {
  assert.equal(confString("it's"), "'it''s'");
  assert.equal(confString('C:\\dir'), "'C:\\\\dir'");
  assert.throws(() => confString('two\nlines'), badRequest);
});

test('pg_hba lets the admin in over the socket only, everyone else with SCRAM from the CIDRs, and the replication role with SCRAM from anywhere', () => {
  const hba = renderHba(['10.0.0.0/24', '2001:db8::/64']);
  const rules = hba
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
  assert.deepEqual(rules, [
    ['local', 'all', 'os_admin', 'trust'],
    ['local', 'replication', 'os_admin', 'trust'],
    ['local', 'all', 'all', 'scram-sha-256'],
    ['host', 'all', 'os_admin', 'all', 'reject'],
    ['host', 'all', 'all', '10.0.0.0/24', 'scram-sha-256'],
    ['host', 'all', 'all', '2001:db8::/64', 'scram-sha-256'],
    ['host', 'replication', 'cellar_replicator', 'all', 'scram-sha-256'],
    ['host', 'postgres', 'cellar_replicator', 'all', 'scram-sha-256'],
  ]);
});

test('no CIDRs means everyone, over IPv4 and IPv6', () => {
  const hosts = renderHba([])
    .split('\n')
    .filter((l) => l.startsWith('host') && l.includes('scram') && !l.includes('cellar_replicator'));
  assert.deepEqual(
    hosts.map((l) => l.split(/\s+/)[3]),
    ['0.0.0.0/0', '::/0'],
  );
});

test('CIDRs are checked before they reach pg_hba.conf', () => {
  assert.equal(checkCidr('192.168.1.0/24'), '192.168.1.0/24');
  assert.equal(checkCidr('::1/128'), '::1/128');
  for (const bad of [
    '10.0.0.0',
    '10.0.0.0/33',
    '::/129',
    '300.1.1.1/8',
    'all',
    '10.0.0.0/24 trust',
    'samenet',
    '10.0.0.0/-1',
    'fe80::1%eth0/64',
    '',
  ]) {
    assert.throws(() => checkCidr(bad), badRequest, bad);
  }
  assert.throws(() => renderHba(['0.0.0.0/0\nhost all all 0.0.0.0/0 trust']), badRequest);
});
