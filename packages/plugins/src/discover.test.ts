import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { discoverPlugins, findAppRoot } from './discover.js';
import { openPlugins } from './host.js';
import { lockKey, readLock, writeLock } from './lock.js';
import { formatPluginProblem } from './problems.js';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

interface Pkg {
  readonly name: string;
  readonly version?: string;
  readonly cellar?: unknown;
  readonly peer?: string;
}

const datastore = (name: string, extra: object = {}) => ({
  plugin: 1,
  kind: 'datastore',
  name,
  capabilities: ['databases'],
  entryPoints: { 'cellar.datastore.options': './options' },
  ...extra,
});

async function makeRoot(
  declared: readonly Pkg[],
  undeclared: readonly Pkg[] = [],
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cellar-discover-'));
  roots.push(root);
  const dependencies = Object.fromEntries(declared.map((p) => [p.name, p.version ?? '1.0.0']));
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'deploy', cellar: { deployment: true }, dependencies }),
  );
  await writeFile(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
  for (const p of [...declared, ...undeclared]) {
    const dir = join(root, 'node_modules', p.name);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: p.name,
        version: p.version ?? '1.0.0',
        type: 'module',
        exports: { './options': './options.js', './package.json': './package.json' },
        ...(p.cellar === undefined ? {} : { cellar: p.cellar }),
        ...(p.peer === undefined ? {} : { peerDependencies: { '@cellar/plugin-api': p.peer } }),
      }),
    );
    await writeFile(join(dir, 'options.js'), 'export default {};\n');
  }
  return root;
}

test('only the declared dependencies are searched, and only those with a cellar field are plugins', async () => {
  const root = await makeRoot(
    [{ name: 'left-pad' }, { name: '@acme/cellar-couch', cellar: datastore('couch') }],
    [{ name: 'sneaky-plugin', cellar: datastore('sneaky') }],
  );
  const found = discoverPlugins(root);
  assert.deepEqual(found.problems, []);
  assert.deepEqual(
    found.plugins.map((p) => [
      p.package,
      p.manifest.name,
      p.entryFiles['cellar.datastore.options']?.['couch'],
    ]),
    [['@acme/cellar-couch', 'couch', './options.js']],
  );
  assert.deepEqual(findAppRoot(join(root, 'node_modules', 'left-pad')), { ok: true, root });
  const wrong = findAppRoot(root, join(root, 'node_modules'));
  assert.deepEqual(wrong, {
    ok: false,
    problem: `${join(root, 'node_modules')} is not a deployment root: it needs a package.json with "cellar": {"deployment": true}`,
  });
});

test('two packages with one datastore name are an error naming both, and neither is used', async () => {
  const root = await makeRoot([
    { name: 'couch-a', version: '1.0.0', cellar: datastore('couch') },
    { name: 'couch-b', version: '2.0.0', cellar: datastore('couch') },
  ]);
  const found = discoverPlugins(root);
  assert.deepEqual(found.plugins, []);
  assert.deepEqual(
    found.problems.map((p) => formatPluginProblem(p)),
    [
      "couch-b@2.0.0 (couch): datastore 'couch' is provided by both couch-a@1.0.0 and couch-b@2.0.0; remove one of them from the deployment's dependencies",
    ],
  );
});

test('a contract mismatch names both versions and what to upgrade; a peer range mismatch likewise', async () => {
  const root = await makeRoot([
    {
      name: 'future',
      version: '3.0.0',
      cellar: datastore('future', { plugin: 2, requires: { gpu: true } }),
    },
    { name: 'picky', cellar: datastore('picky'), peer: '^9.0.0' },
  ]);
  const messages = discoverPlugins(root).problems.map((p) => formatPluginProblem(p));
  assert.match(
    messages[0] ?? '',
    /^future@3\.0\.0 \(future\): built for plugin contract 2, but this Cellar \(@cellar\/plugin-api [\d.]+\) implements contract 1: upgrade Cellar$/,
  );
  assert.match(
    messages[1] ?? '',
    /^picky@1\.0\.0 \(picky\): needs @cellar\/plugin-api \^9\.0\.0, but [\d.]+ is installed/,
  );
});

test('a bad cellar field is reported with the package and the path of each problem', async () => {
  const root = await makeRoot([
    {
      name: 'bad-kind',
      cellar: datastore('bad', { kind: 'database', capabilities: ['telepathy'] }),
    },
    { name: 'bad-shape', cellar: { plugin: 'one', name: 'Bad Name' } },
  ]);
  const messages = discoverPlugins(root).problems.map((p) => formatPluginProblem(p));
  assert.ok(
    messages.includes(
      "bad-kind@1.0.0 (bad): invalid cellar field: cellar.kind: 'database' is not a plugin kind; expected one of datastore, backup-storage, compute",
    ),
    messages.join('\n'),
  );
  assert.ok(
    messages.includes(
      "bad-kind@1.0.0 (bad): invalid cellar field: cellar.capabilities: 'telepathy' is not a capability Cellar knows",
    ),
    messages.join('\n'),
  );
  assert.ok(
    messages.includes(
      'bad-shape@1.0.0 (Bad Name): invalid cellar field: cellar.plugin: Expected integer (got "one")',
    ),
    messages.join('\n'),
  );
  assert.ok(
    messages.includes(
      'bad-shape@1.0.0 (Bad Name): invalid cellar field: cellar.kind: Expected required property',
    ),
    messages.join('\n'),
  );
  assert.equal(
    messages.filter((m) => m.includes('cellar.kind:')).length,
    2,
    'one problem per path and package',
  );
});

test('a declared dependency that is not installed is named', async () => {
  const root = await makeRoot([]);
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'deploy',
      cellar: { deployment: true },
      dependencies: { ghost: '1.0.0' },
    }),
  );
  assert.deepEqual(
    discoverPlugins(root).problems.map((p) => formatPluginProblem(p)),
    ['ghost: is a declared dependency of the deployment but is not installed; run npm install'],
  );
});

test('the lock file is used while fresh, detected as stale when packages change, and can be required', async () => {
  const root = await makeRoot([{ name: 'couch', cellar: datastore('couch') }]);
  assert.equal(readLock(root, 'plugins.lock.json').state, 'missing');
  assert.equal(openPlugins({ appRoot: root, lockFile: 'plugins.lock.json' }).source, 'discovery');
  writeLock(root, 'plugins.lock.json', discoverPlugins(root).plugins);
  const fresh = openPlugins({ appRoot: root, lockFile: 'plugins.lock.json', requireLock: true });
  assert.equal(fresh.source, 'lock');
  assert.deepEqual(
    fresh.host.plugins.map((p) => p.manifest.name),
    ['couch'],
  );

  const pkg = join(root, 'node_modules', 'couch', 'package.json');
  // A copied image layer: same contents, new timestamps. The stamps differ, the content hash does not.
  await writeFile(pkg, await readFile(pkg));
  const later = new Date(Date.now() + 60_000);
  await utimes(pkg, later, later);
  assert.equal(readLock(root, 'plugins.lock.json').state, 'fresh');

  const before = lockKey(root, [join(root, 'node_modules', 'couch')]);
  await writeFile(
    pkg,
    JSON.stringify({
      name: 'couch',
      version: '1.0.1',
      exports: { './options': './options.js', './package.json': './package.json' },
      cellar: datastore('couch'),
    }),
  );
  assert.notEqual(lockKey(root, [join(root, 'node_modules', 'couch')]), before);
  const stale = readLock(root, 'plugins.lock.json');
  assert.equal(stale.state, 'stale');
  const resolved = openPlugins({ appRoot: root, lockFile: 'plugins.lock.json' });
  assert.equal(resolved.source, 'discovery');
  assert.match(
    resolved.notices[0] ?? '',
    /plugins\.lock\.json is stale: the installed packages changed/,
  );
  const refused = openPlugins({ appRoot: root, lockFile: 'plugins.lock.json', requireLock: true });
  assert.deepEqual(refused.host.plugins, []);
  assert.match(
    refused.host.problems[0]?.message ?? '',
    /is stale.*run `cellar-manage plugins lock` \(plugins\.require_lock is on\)/,
  );
});
