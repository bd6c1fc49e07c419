import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxmemoryMb, quoted, renderRedisConf, type RedisConfInput } from './config.js';

const input: RedisConfInput = {
  address: '127.42.0.7',
  port: 6379,
  socket: '/run/i/redis.sock',
  pidFile: '/run/i/redis.pid',
  logFile: '/log/i/redis.log',
  dataDir: '/vol/data',
  aclFile: '/vol/users.acl',
  memoryMb: 512,
  maxmemoryRatio: 0.75,
  maxmemoryPolicy: 'noeviction',
  persistence: 'rdb',
};
const lines = (c: RedisConfInput): string[] => renderRedisConf(c).split('\n');

test("redis.conf listens on the instance's address, and on a private socket for the guest", () => {
  const conf = lines(input);
  assert.ok(conf.includes('bind 127.42.0.7'));
  assert.ok(conf.includes('port 6379'));
  assert.ok(conf.includes('unixsocket "/run/i/redis.sock"'));
  assert.ok(conf.includes('unixsocketperm 700'));
  assert.ok(conf.includes('aclfile "/vol/users.acl"'));
  assert.ok(!conf.some((l) => l.startsWith('requirepass')), 'the ACL file holds the passwords');
});

test("maxmemory is the flavor's RAM times the ratio, with the policy chosen", () => {
  assert.equal(maxmemoryMb(512, 0.75), 384);
  assert.ok(lines({ ...input, memoryMb: 2048 }).includes('maxmemory 1536mb'));
  assert.ok(
    lines({ ...input, maxmemoryPolicy: 'allkeys-lru' }).includes('maxmemory-policy allkeys-lru'),
  );
});

test('each persistence setting writes its own save and appendonly lines', () => {
  assert.ok(lines(input).includes('save 3600 1 300 100 60 10000'));
  assert.ok(lines(input).includes('appendonly no'));
  assert.ok(lines({ ...input, persistence: 'aof' }).includes('appendonly yes'));
  const none = lines({ ...input, persistence: 'none' });
  assert.ok(none.includes('save ""') && none.includes('appendonly no'));
});

test('paths are quoted so that a space or quote in them cannot add a directive', () => {
  assert.equal(quoted('/a b/"x"\\'), '"/a b/\\"x\\"\\\\"');
  assert.throws(() => quoted('/a\nrequirepass x'), /control character/);
});

test("ps shows the instance's redis.conf, so that a leftover server can be told apart", () => {
  assert.ok(lines(input).includes('proc-title-template "{title} {listen-addr} {config-file}"'));
});

test('a backup is sent at once, from the fork to the socket: diskless sync without its 5 s wait', () => {
  const conf = lines(input);
  assert.ok(conf.includes('repl-diskless-sync yes'));
  assert.ok(conf.includes('repl-diskless-sync-delay 0'));
});
