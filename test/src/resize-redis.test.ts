// Resizing a real Redis instance on the local compute driver: its volume grows with its keys
// kept, and a larger flavor's RAM shows in maxmemory, as root sees it with redis-cli.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Json } from '@cellar/server/testing';
import { deleteWithoutTrace, localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const exec = promisify(execFile);
const skip =
  noPostgresql ||
  (existsSync('/usr/bin/redis-server') && existsSync('/usr/bin/redis-cli')
    ? false
    : 'Redis is not installed (Debian packages redis-server and redis-tools)') ||
  (process.getuid?.() === 0
    ? false
    : 'volume sizes are enforced with loop-mounted filesystem images only when Cellar runs as root');
const local = localCellarOfFile(skip);
const { api } = local;

/** redis-cli as root at the instance's address; the password through REDISCLI_AUTH. */
async function asRoot(address: string, password: string, ...command: string[]): Promise<string> {
  const { stdout } = await exec('redis-cli', ['-h', address, '-e', ...command], {
    env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: password },
  });
  return stdout.trim();
}

/** Redis' maxmemory for a flavor's RAM: [redis] maxmemory_ratio (0.75) of it, in bytes. */
const maxmemory = (ramMb: number): string => String(Math.floor(ramMb * 0.75) * 1024 * 1024);

test(
  'a Redis volume grows with its keys kept, and maxmemory follows a larger flavor',
  { skip },
  async () => {
    const versions = (await api('GET', '/datastores/redis/versions')).json['versions'] as Json[];
    const created = await api('POST', '/instances', {
      instance: {
        name: 'redis-resize',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'redis', version: versions[0]?.['name'] },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const active = await local.session.untilInstance(id, settled, 'ACTIVE', 60, 200);
    assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
    const address = (active['ip'] as string[])[0] ?? '';
    const root = await api('POST', `/instances/${id}/root`);
    assert.equal(root.status, 200, JSON.stringify(root.json));
    const password = String((root.json['user'] as Json)['password']);
    assert.equal(await asRoot(address, password, 'SET', 'greeting', 'kept'), 'OK');
    assert.equal(await asRoot(address, password, 'SAVE'), 'OK');
    const memory = async (): Promise<string> =>
      (await asRoot(address, password, 'CONFIG', 'GET', 'maxmemory')).split('\n')[1] ?? '';
    assert.equal(await memory(), maxmemory(512));

    const grow = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 2 } } });
    assert.equal(grow.status, 202, JSON.stringify(grow.json));
    const grown = await local.session.untilInstance(
      id,
      (i) => settled(i) && (i['volume'] as Json)['size'] === 2,
      'the volume of 2 GB',
      90,
      200,
    );
    assert.equal(grown['status'], 'ACTIVE', JSON.stringify(grown['fault'] ?? grown));
    assert.equal(await asRoot(address, password, 'GET', 'greeting'), 'kept');

    const flavor = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '2' } });
    assert.equal(flavor.status, 202, JSON.stringify(flavor.json));
    const resized = await local.session.untilInstance(
      id,
      (i) => settled(i) && (i['flavor'] as Json)['id'] === '2',
      'flavor 2',
      90,
      200,
    );
    assert.equal(resized['status'], 'ACTIVE', JSON.stringify(resized['fault'] ?? resized));
    assert.equal(await memory(), maxmemory(2048));
    assert.equal(await asRoot(address, password, 'GET', 'greeting'), 'kept');
    await deleteWithoutTrace(local, id);
  },
);
