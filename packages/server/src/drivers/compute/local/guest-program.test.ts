// The guest program is copied where the guests' users can read it, with the chunks it loads when
// a backup needs them (a storage's SDK): a copy without them would fail at the first backup.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactDir, ARTIFACT_FILE, ARTIFACT_MANIFEST } from '@cellar/guest/artifact';
import { guestProgram } from './guest-program.js';

test('the guest program is copied with its chunks, readable by the guests', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-guest-program-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const built = artifactDir(root, 'memory');
  await mkdir(join(built, 'chunks'), { recursive: true });
  await writeFile(join(built, ARTIFACT_FILE), 'await import("./chunks/storage-ABC.mjs");\n');
  await writeFile(join(built, 'chunks', 'storage-ABC.mjs'), 'export default 1;\n');
  const manifest = {
    datastore: 'memory',
    package: 'm',
    version: '1',
    file: join(built, ARTIFACT_FILE),
    bytes: 1,
    chunks: ['chunks/storage-ABC.mjs'],
    inputs: [],
  };
  await writeFile(join(built, ARTIFACT_MANIFEST), JSON.stringify(manifest));
  const home = join(root, 'home');
  await mkdir(home);
  const program = await guestProgram(root, home, 'memory');
  const copied = join(home, 'guest', 'memory');
  assert.deepEqual(program.args, [join(copied, ARTIFACT_FILE)]);
  assert.equal(
    await readFile(join(copied, 'chunks', 'storage-ABC.mjs'), 'utf8'),
    'export default 1;\n',
  );
  assert.equal((await stat(join(copied, 'chunks', 'storage-ABC.mjs'))).mode & 0o777, 0o644);
  assert.equal((await stat(join(copied, 'chunks'))).mode & 0o777, 0o755);
});
