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

/** The watch's check period here: the agent's own is seconds. */
const CHECK_MS = 20;

test('a guest whose configuration file is removed is told once, and not again at later checks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-watch-'));
  const file = join(dir, 'guest_info.conf');
  await writeFile(file, '[DEFAULT]\n');
  let told = 0;
  let stop = (): void => undefined;
  try {
    // The watch's timer does not hold the process: this deadline does, meanwhile.
    const gone = new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('not told within 5 s')), 5000);
      const log = fileLogger(join(dir, 'guest.log'), false);
      stop = watchInstanceFiles(
        [file],
        log,
        () => {
          told++;
          clearTimeout(deadline);
          resolve();
          return Promise.resolve();
        },
        CHECK_MS,
      );
    });
    await rm(file);
    await gone;
    // Absence has no condition to wait on: several more check periods must pass without a call.
    await new Promise((resolve) => setTimeout(resolve, 10 * CHECK_MS));
    assert.equal(told, 1);
  } finally {
    stop();
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
