import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { brandOf } from '../contract.js';
import { fromWire, toWire } from '../errors/wire.js';
import { validateManifest } from '../manifest.js';
import { opt } from '../options/options.js';
import { BackupChecksumMismatch } from '../errors/backup-storage-errors.js';
import { defineBackupStorage, defineBackupStorageOptions } from './contract.js';
import { checkKey, checkProject } from './names.js';
import { cutIntoParts, DigestingStream, verifySha256 } from './streams.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

test('cutIntoParts cuts exact-size parts, keeps no empty tail, and gives an empty source one empty part', async () => {
  const sizes = async (chunks: number[], size: number) =>
    (await collect(cutIntoParts(Readable.from(chunks.map((n) => Buffer.alloc(n, 1))), size))).map(
      (p) => p.length,
    );
  assert.deepEqual(await sizes([3, 4, 5], 4), [4, 4, 4]);
  assert.deepEqual(await sizes([10], 4), [4, 4, 2]);
  assert.deepEqual(await sizes([1, 1], 4), [2]);
  assert.deepEqual(await sizes([], 4), [0]);
});

test('DigestingStream counts and hashes what passes; verifySha256 fails the stream on a mismatch', async () => {
  const digest = new DigestingStream();
  const data = Buffer.from('backup bytes');
  await collect(Readable.from([data]).pipe(digest));
  const sha256 = createHash('sha256').update(data).digest('hex');
  assert.deepEqual({ bytes: digest.bytes, sha256: digest.sha256 }, { bytes: data.length, sha256 });
  const good = verifySha256(Readable.from([data]), { storage: 'x', object: 'o', sha256 });
  assert.deepEqual(Buffer.concat(await collect<Buffer>(good)), data);
  const bad = verifySha256(Readable.from([Buffer.from('backup bytez')]), {
    storage: 'x',
    object: 'x:p/o',
    sha256,
  });
  await assert.rejects(collect(bad), (error: unknown) => {
    assert.ok(error instanceof BackupChecksumMismatch);
    assert.match(error.message, new RegExp(`x:p/o .* is corrupt: .* but ${sha256} was recorded`));
    // The reason code crosses RPC intact, so a restore fails naming both digests.
    const back = fromWire(toWire(error));
    assert.equal(back.code, 'CELLAR_BACKUP_CHECKSUM_MISMATCH');
    assert.equal(back.details['expected'], sha256);
    return true;
  });
});

test('project ids and keys that could leave their place are refused', () => {
  assert.equal(checkProject('a1b2-c3_d4'), 'a1b2-c3_d4');
  assert.equal(checkKey('inst-1/full/2026-11-30.tar.zst'), 'inst-1/full/2026-11-30.tar.zst');
  for (const project of ['', '../x', 'a/b', 'a b', '.x'])
    assert.throws(() => checkProject(project), /not a project id/);
  for (const key of ['', '.', '..', 'a/../b', '/a', 'a//b', 'a/', 'a\\b', 'a?x', '.part'])
    assert.throws(() => checkKey(key), /not a backup object key/);
});

test('a storage declares one [backup_storage_<name>] group on both sides, with its secrets marked', () => {
  const options = defineBackupStorageOptions({
    name: 'vault',
    options: { key: opt.str({ help: 'The key.', default: '', secret: true }) },
  });
  assert.deepEqual(
    [options.server.name, options.server.side, options.guest.name, options.guest.side],
    ['backup_storage_vault', 'server', 'backup_storage_vault', 'guest'],
  );
  assert.equal(options.guest.options.key.secret, true);
  const driver = defineBackupStorage({ name: 'vault', options, open: async () => assert.fail() });
  assert.deepEqual(brandOf(driver), { contract: 1, kind: 'backup.storage', name: 'vault' });
  assert.throws(
    () => defineBackupStorage({ name: 'other', options, open: async () => assert.fail() }),
    /was given the options of 'vault'/,
  );
});

test('a backup-storage plugin must have an options and a storage entry point', () => {
  const exportsField = { './options': './o.js', './package.json': './package.json' };
  const result = validateManifest(
    {
      plugin: 1,
      kind: 'backup-storage',
      name: 'vault',
      entryPoints: { 'cellar.backup.storage.options': './options' },
    },
    exportsField,
  );
  assert.deepEqual(result, {
    ok: false,
    problems: ["cellar.entryPoints: a backup-storage plugin must have 'cellar.backup.storage'"],
  });
});
