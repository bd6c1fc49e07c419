// The watch that ends a guest agent whose instance's files were removed, and what an orphaned
// standby removes of its own.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileLogger } from './log.js';
import { removeStandbyWork, watchInstanceFiles } from './orphan-watch.js';

test('a guest whose configuration file is removed is told once, within a few seconds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-watch-'));
  try {
    const file = join(dir, 'guest_info.conf');
    await writeFile(file, '[DEFAULT]\n');
    let told = 0;
    // The watch's timer does not hold the process: this deadline does, meanwhile.
    const gone = new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('not told within 5 s')), 5000);
      const stop = watchInstanceFiles([file], fileLogger(join(dir, 'guest.log'), false), () => {
        told++;
        stop();
        clearTimeout(deadline);
        resolve();
        return Promise.resolve();
      });
    });
    const started = Date.now();
    await rm(file);
    await gone;
    assert.ok(Date.now() - started < 5000);
    assert.equal(told, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an orphaned standby removes its work directory and its output', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-standby-'));
  try {
    const work = join(dir, 'standby-x');
    await mkdir(join(work, 'data.initdb'), { recursive: true });
    await writeFile(`${work}.out`, 'loaded\n');
    await removeStandbyWork({ dir: work, output: `${work}.out`, ownUser: false });
    assert.equal(existsSync(work), false);
    assert.equal(existsSync(`${work}.out`), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
