// The passwords a create carries (its users', and the root password of root_on_create) are kept
// sealed while the operation needs them and erased when it ends: the control database file
// itself, read byte by byte as an attacker with a copy of it would, never holds them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { simulatedPlaneOfFile } from './support/simulated-plane.js';

const plane = simulatedPlaneOfFile(['postgresql.root_on_create=true']);

/** Which of these secrets the control database's files (the database, its WAL and shared memory) hold. */
async function secretsOnDisk(secrets: readonly string[]): Promise<string[]> {
  const file = join(plane.state, 'cellar.sqlite');
  const contents: Buffer[] = [];
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      contents.push(await readFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return secrets.filter((s) => contents.some((c) => c.includes(Buffer.from(s, 'utf8'))));
}

test('the passwords of a create are not in the control database file, after the create nor after the delete', async () => {
  const passwords = ['first-user-Pw-7f3a91c2', 'second-user-Pw-0be45d17'];
  const created = await plane.session.call('POST', '/instances', {
    instance: {
      name: 'sealed',
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'postgresql' },
      databases: [{ name: 'appdb' }],
      users: passwords.map((password, i) => ({
        name: `user${i}`,
        password,
        databases: [{ name: 'appdb' }],
      })),
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const instance = created.json['instance'] as Json;
  const root = instance['password'];
  assert.equal(typeof root, 'string', 'root_on_create shows the root password once');
  const secrets = [...passwords, root as string];
  const id = instance['id'] as string;

  const ready = await plane.session.untilInstance(
    id,
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE',
    15,
  );
  assert.equal(ready['status'], 'ACTIVE');
  const timeline = await plane.session.call('GET', `/instances/${id}/operations`);
  const [create] = timeline.json['operations'] as Json[];
  assert.equal(create?.['status'], 'succeeded');
  assert.deepEqual(await secretsOnDisk(secrets), []);
  // The guest was given the users' passwords: they are what the instance's users sign in with.
  const users = await plane.session.call('GET', `/instances/${id}/users`);
  assert.deepEqual(((users.json['users'] as Json[]) ?? []).map((u) => u['name']).sort(), [
    'user0',
    'user1',
  ]);

  assert.equal((await plane.session.call('DELETE', `/instances/${id}`)).status, 202);
  await plane.session.untilInstance(id, (i) => i['gone'] === true, 'gone', 15);
  assert.deepEqual(await secretsOnDisk(secrets), []);
});
