// Backups and restores of every datastore through the API on the local storage (a directory), on
// real instances of the local compute driver: the scenario of support/backup-scenario.ts, and a
// stored backup damaged on disk, which a restore refuses.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { backupDatastores } from './support/backup-datastores.js';
import { activeInstance, backupScenarios, takeBackup } from './support/backup-scenario.js';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const storage = await mkdtemp(join(tmpdir(), 'cellar-backups-'));
// Guests run as users of their own when the tests run as root: they pass through to their project's.
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
  'mysql.usage_timeout=120',
]);

backupScenarios(local, 'local', noPostgresql);

const redis = backupDatastores.find((d) => d.type === 'redis') as (typeof backupDatastores)[number];

/** The stored file of a backup in the local storage: `<path>/<project>/<instance>/<backup>…`. */
async function storedFile(instance: string, backup: string): Promise<string> {
  for (const project of await readdir(storage)) {
    const dir = join(storage, project, instance);
    const names = await readdir(dir).catch(() => []);
    const name = names.find((n) => n.startsWith(backup));
    if (name !== undefined) return join(dir, name);
  }
  throw new Error(`no stored file for backup ${backup}`);
}

test(
  'a stored backup with one flipped byte is refused on restore, naming the object and both digests',
  { skip: noPostgresql || redis.skip },
  async () => {
    const versions = (await local.api('GET', '/datastores/redis/versions')).json;
    const version = String(((versions['versions'] as Json[])[0] as Json)['name']);
    const base = { flavorRef: '1', volume: { size: 1 }, datastore: { type: 'redis', version } };
    const source = await activeInstance(local, { ...base, name: 'flip-source', ...redis.create });
    await redis.write(source.address, 1, 100);
    const backup = await takeBackup(local, source.id, 'flip');
    const file = await storedFile(source.id, String(backup['id']));
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(file, bytes);

    const created = await local.api('POST', '/instances', {
      instance: {
        ...base,
        name: 'flip-restored',
        restorePoint: { backupRef: backup['id'] },
        ...redis.restore,
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    const shown = await local.session.untilInstance(id, settled, 'ERROR', 120, 250);
    assert.equal(shown['status'], 'ERROR');
    const fault = JSON.stringify(shown['fault']);
    assert.match(fault, /corrupt: its SHA-256 is [0-9a-f]{64}, but [0-9a-f]{64} was recorded/);
    assert.ok(fault.includes(String(backup['checksum'])), fault);
    assert.ok(fault.includes(String(backup['id'])), `the object is not named: ${fault}`);
    for (const made of [id, source.id]) {
      assert.equal((await local.api('DELETE', `/instances/${made}`)).status, 202);
      await local.session.untilInstance(made, (i) => 'gone' in i, 'deleted', 90, 250);
    }
  },
);
