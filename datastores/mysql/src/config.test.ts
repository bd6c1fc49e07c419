// The server settings Cellar writes: derived from the flavor's RAM, listening where the instance
// is, keeping its socket and pid file in the run directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memorySettings, parseAdminCnf, renderAdminCnf, renderServerConfig } from './config.js';

test('memory settings follow the flavor: half the RAM for InnoDB, 100 connections per 512 MiB', () => {
  assert.equal(memorySettings(2048).innodb_buffer_pool_size, '1024M');
  assert.equal(memorySettings(2048).max_connections, 400);
  assert.equal(memorySettings(512).max_connections, 100);
  // A flavor smaller than 512 MiB still gets a usable server.
  assert.equal(memorySettings(128).max_connections, 100);
  assert.equal(memorySettings(32).innodb_buffer_pool_size, '32M');
});

test('the server config listens on the instance address and keeps its files where given', () => {
  const text = renderServerConfig({
    dataDir: '/vol/data',
    address: '127.42.0.9',
    port: 3306,
    socket: '/run/i/mysqld.sock',
    pidFile: '/run/i/mysqld.pid',
    errorLog: '/log/mysqld.log',
    filesDir: '/vol/files',
    memoryMb: 1024,
    flavor: 'mariadb',
  });
  const lines = text.split('\n');
  assert.equal(lines[1], '[mysqld]');
  for (const line of [
    'datadir = /vol/data',
    'bind-address = 127.42.0.9',
    'port = 3306',
    'socket = /run/i/mysqld.sock',
    'pid-file = /run/i/mysqld.pid',
    'skip-name-resolve',
    'secure-file-priv = /vol/files',
    'innodb_buffer_pool_size = 512M',
    'max_connections = 200',
  ])
    assert.ok(lines.includes(line), line);
  assert.ok(!lines.some((line) => line.startsWith('mysqlx')), 'MariaDB does not know mysqlx');
});

test("MySQL's X protocol is switched off: it would listen on every address", () => {
  const text = renderServerConfig({
    dataDir: '/d',
    address: '127.42.0.9',
    port: 3306,
    socket: '/s',
    pidFile: '/p',
    errorLog: '/l',
    filesDir: '/f',
    memoryMb: 512,
    flavor: 'mysql',
  });
  assert.ok(text.split('\n').includes('mysqlx = OFF'));
});

test('the admin client file gives its password back', () => {
  assert.equal(parseAdminCnf(renderAdminCnf('p=a ss#1')), 'p=a ss#1');
  assert.equal(parseAdminCnf('[client]\n'), undefined);
});
