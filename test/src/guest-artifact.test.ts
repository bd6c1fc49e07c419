// The PostgreSQL guest artifact carries the agent and that one datastore's options and guest
// halves: none of the control plane, none of another datastore, nothing of its own server half.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { buildGuestArtifact } from '@cellar/guest/build';
import { repoRoot } from './support/repo.js';

test('the PostgreSQL guest artifact holds the agent and PostgreSQL guest code only', async () => {
  const artifact = await buildGuestArtifact(repoRoot, 'postgresql');
  const inputs = artifact.inputs;
  assert.ok(inputs.includes('datastores/postgresql/dist/guest.js'), 'the guest half is inside');
  assert.ok(inputs.includes('datastores/postgresql/dist/options.js'), 'the options are inside');
  assert.ok(
    inputs.some((i) => i.startsWith('packages/guest/dist/')),
    'the agent is inside',
  );
  const foreign = inputs.filter(
    (i) =>
      /^packages\/(server|cli)\//.test(i) ||
      /^datastores\/(?!postgresql\/)/.test(i) ||
      i === 'datastores/postgresql/dist/server.js' ||
      /node_modules\/(fastify|@fastify|kysely|better-sqlite3|pino|commander|esbuild)\//.test(i),
  );
  assert.deepEqual(
    foreign,
    [],
    "control-plane, server-half or other datastores' code in the artifact",
  );
  const text = await readFile(artifact.file, 'utf8');
  for (const marker of ['@cellar/server', 'mariadbd', 'redis-server']) {
    assert.equal(text.includes(marker), false, `the artifact mentions ${marker}`);
  }
  assert.ok(artifact.bytes < 3 * 1024 * 1024, `${artifact.bytes} bytes`);
});
