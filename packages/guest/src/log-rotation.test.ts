// Log rotation by copy and truncation: a writer holding its file open in append mode goes on at
// the start of the emptied file, older copies shift, and rotated copies are never rotated again.

import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rotateLogs } from './log-rotation.js';

const within = async (body: (dir: string) => Promise<void>): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-logs-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

test('a file past the limit is copied aside and emptied; its open writer goes on at the new start', () =>
  within(async (dir) => {
    const file = join(dir, 'postgresql.log');
    const writer = openSync(file, 'a');
    try {
      writeSync(writer, 'a'.repeat(2000));
      assert.deepEqual(await rotateLogs(dir, 1000, 2), ['postgresql.log']);
      assert.equal(readFileSync(`${file}.1`, 'utf8'), 'a'.repeat(2000));
      writeSync(writer, 'after');
      assert.equal(
        readFileSync(file, 'utf8'),
        'after',
        'the writer continues at the start, leaving no hole',
      );
    } finally {
      closeSync(writer);
    }
  }));

test('files under the limit stay; older copies shift and the oldest beyond keep is dropped', () =>
  within(async (dir) => {
    const file = join(dir, 'guest.log');
    await writeFile(join(dir, 'small.log'), 'x');
    for (const round of ['one', 'two', 'three']) {
      await writeFile(file, round.repeat(100));
      assert.deepEqual(await rotateLogs(dir, 10, 2), ['guest.log']);
    }
    assert.equal(readFileSync(`${file}.1`, 'utf8'), 'three'.repeat(100));
    assert.equal(readFileSync(`${file}.2`, 'utf8'), 'two'.repeat(100));
    assert.equal(existsSync(`${file}.3`), false);
    assert.equal(readFileSync(join(dir, 'small.log'), 'utf8'), 'x');
    assert.deepEqual(await rotateLogs(dir, 10, 2), [], 'rotated copies are not rotated again');
  }));

test('keep 0 empties the file and keeps no copy', () =>
  within(async (dir) => {
    const file = join(dir, 'guest.log');
    await writeFile(file, 'y'.repeat(50));
    assert.deepEqual(await rotateLogs(dir, 10, 0), ['guest.log']);
    assert.equal(readFileSync(file, 'utf8'), '');
    assert.equal(existsSync(`${file}.1`), false);
  }));
