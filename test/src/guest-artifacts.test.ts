// Every datastore's guest artifact, built as a deployment builds it: at most 3 MB, and none of the
// other datastores' code inside (their packages, their drivers, the servers they run). Built in a
// scratch deployment root so the artifacts other tests run are never rebuilt under them.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildGuestArtifact } from '@cellar/guest/build';
import { repoRoot } from './support/repo.js';

const MAX_BYTES = 3 * 1024 * 1024;

/** What gives a datastore's code away inside another's bundle. */
interface Marks {
  /** Where its package is, from the repository root. */
  readonly dir: string;
  readonly package: string;
  /** Source paths only it brings in: its own directory and its client library. */
  readonly inputs: readonly string[];
  /** Strings only its guest half has. */
  readonly text: readonly string[];
}

const datastores: Readonly<Record<string, Marks>> = {
  postgresql: {
    dir: 'datastores/postgresql',
    package: '@cellar/datastore-postgresql',
    inputs: ['datastores/postgresql/', 'node_modules/pg/'],
    text: ['pg_hba.conf'],
  },
  mysql: {
    dir: 'datastores/mysql',
    package: '@cellar/datastore-mysql',
    inputs: ['datastores/mysql/', 'node_modules/mysql2/'],
    text: ['mariadbd'],
  },
  redis: {
    dir: 'datastores/redis',
    package: '@cellar/datastore-redis',
    inputs: ['datastores/redis/', 'node_modules/ioredis/'],
    text: ['redis-server'],
  },
  memcached: {
    dir: 'examples/cellar-datastore-memcached',
    package: 'cellar-datastore-memcached',
    inputs: ['examples/cellar-datastore-memcached/'],
    text: [],
  },
};

let root = '';
before(async () => {
  // A deployment whose dependencies are the repository's datastore packages, linked in place.
  root = await mkdtemp(join(tmpdir(), 'cellar-guest-artifacts-'));
  const dependencies: Record<string, string> = {};
  for (const marks of Object.values(datastores)) {
    const link = join(root, 'node_modules', marks.package);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(repoRoot, marks.dir), link, 'dir');
    dependencies[marks.package] = '*';
  }
  const pkg = { name: 'deploy', private: true, cellar: { deployment: true }, dependencies };
  await writeFile(join(root, 'package.json'), JSON.stringify(pkg));
});
after(() => rm(root, { recursive: true, force: true }));

async function hasGuestHalf(marks: Marks): Promise<boolean> {
  const pkg = JSON.parse(await readFile(join(repoRoot, marks.dir, 'package.json'), 'utf8')) as {
    cellar?: { entryPoints?: Record<string, unknown> };
  };
  return pkg.cellar?.entryPoints?.['cellar.datastore.guest'] !== undefined;
}

for (const [name, own] of Object.entries(datastores)) {
  test(`the ${name} guest artifact is at most 3 MB and holds no other datastore's code`, async (t) => {
    if (!(await hasGuestHalf(own))) {
      t.skip(`the ${name} datastore has no guest half (no cellar.datastore.guest entry point)`);
      return;
    }
    const artifact = await buildGuestArtifact(root, name);
    assert.ok(artifact.bytes <= MAX_BYTES, `${name}: ${artifact.bytes} bytes`);
    const text = await readFile(artifact.file, 'utf8');
    assert.ok(text.includes(JSON.stringify(own.package)), `${name}: its own package is inside`);
    const found: string[] = [];
    for (const [other, marks] of Object.entries(datastores)) {
      if (other === name) continue;
      const inputs = artifact.inputs.filter((i) => marks.inputs.some((m) => i.includes(m)));
      const strings = [JSON.stringify(marks.package), ...marks.text].filter((s) =>
        text.includes(s),
      );
      found.push(...[...inputs, ...strings].map((what) => `${other}: ${what}`));
    }
    assert.deepEqual(found, [], `${name}'s artifact holds other datastores' code`);
  });
}
