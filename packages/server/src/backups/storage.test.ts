// The configured backup storage opens from cellar.conf's settings through the installed plugins:
// `local` in a temporary directory round-trips an object with its size and SHA-256.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bootstrap } from '@cellar/config';
import { findAppRoot, problemsOf } from '@cellar/plugins';
import { openBackupStorage } from './storage.js';

const here = dirname(fileURLToPath(import.meta.url));

async function configured(settings: readonly string[]) {
  const found = findAppRoot(here);
  assert.ok(found.ok, found.ok ? '' : found.problem);
  const result = await bootstrap({
    side: 'server',
    appRoot: found.root,
    env: {},
    overrides: settings,
  });
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result;
}

test('openBackupStorage opens the configured local storage and round-trips an object', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-backups-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { config, host } = await configured([
    'DEFAULT.backup_storage=local',
    `backup_storage_local.path=${dir}`,
  ]);
  const storage = await openBackupStorage(config, host);
  t.after(() => storage.close());
  assert.equal(storage.name, 'local');
  const body = 'rows at the time of the backup\n'.repeat(1000);
  const stored = await storage.put(Readable.from([body]), { project: 'p1', key: 'b1/full' });
  assert.equal(stored.size, Buffer.byteLength(body));
  assert.equal(stored.sha256, createHash('sha256').update(body).digest('hex'));
  assert.deepEqual(await readdir(dir), ['p1']);
  const read = await storage.get(stored.location, { sha256: stored.sha256 });
  assert.equal(await text(read), body);
});

test('openBackupStorage refuses a storage that is not installed, naming the installed ones', async () => {
  const { config, host } = await configured([]);
  await assert.rejects(openBackupStorage(config, host, 'ftp'), (error: unknown) => {
    const message = (problemsOf(error) ?? []).map((p) => p.message).join('\n');
    assert.match(message, /no plugin provides 'ftp'; available: local, s3, swift/);
    return true;
  });
});
