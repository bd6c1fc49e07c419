// mariabackup's checkpoints as a backup's meta, and the chain a restore is given checked before
// anything is downloaded: a full backup first, each incremental starting where the last ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from '@cellar/plugin-api';
import { checkChain, parentCheckpoints, parseCheckpoints } from './checkpoints.js';

const checkpoints = (type: string, from: number, to: number): string =>
  `backup_type = ${type}\nfrom_lsn = ${from}\nto_lsn = ${to}\nlast_lsn = ${to + 9}\nrecover_binlog_info = 0\n`;
const backup = (id: string, text?: string): BackupInfo => ({
  id,
  ...(text === undefined ? {} : { meta: { ...parseCheckpoints(text) } }),
});

test('the checkpoints file becomes the meta, the file itself kept for incrementals', () => {
  const text = checkpoints('incremental', 46000, 47321);
  assert.deepEqual(parseCheckpoints(text), {
    backup_type: 'incremental',
    from_lsn: 46000,
    to_lsn: 47321,
    checkpoints: text,
  });
  assert.throws(() => parseCheckpoints('backup_type = full-prepared\n'), /no backup type/);
  assert.throws(() => parseCheckpoints('backup_type = incremental\nfrom_lsn = x\n'), /from_lsn/);
});

test('an incremental on a parent without mariabackup checkpoints is refused', () => {
  assert.throws(() => parentCheckpoints(backup('p1')), /parent backup p1 has no mariabackup/);
});

test('a chain must start with a full backup and link up LSN to LSN', () => {
  const full = backup('f', checkpoints('full-backuped', 0, 100));
  const inc = backup('i', checkpoints('incremental', 100, 150));
  const stray = backup('s', checkpoints('incremental', 120, 200));
  assert.equal(checkChain([full, inc]).length, 2);
  assert.throws(() => checkChain([inc]), /backup i is incremental: a chain starts with a full/);
  assert.throws(() => checkChain([full, full]), /backup f is full-backuped, not an incremental/);
  assert.throws(() => checkChain([full, stray]), /starts at LSN 120, not where f ended \(100\)/);
  assert.throws(() => checkChain([backup('x')]), /backup x has no mariabackup checkpoints/);
});
