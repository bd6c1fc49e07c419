// A third-party datastore plugin, end to end and the way an operator meets it: the example package
// in examples/cellar-datastore-memcached (outside the workspaces) is packed with npm, installed from
// its tarball into a fresh deployment root beside a packed @cellar/plugin-api, and the repository's
// cellar-manage must list it, generate its config sections and check configurations that use it.
// Broken variants of it (an options module that throws, a bad `cellar` field, two packages with
// one datastore name, a plugin for another contract) must each be reported, scoped to the package.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellarManage, createDeployment, makeVariant, npmPack } from './support/deployment.js';
import { repoRoot, section as iniSection, type RunResult } from './support/repo.js';

const fixtureDir = join(repoRoot, 'examples', 'cellar-datastore-memcached');
const pluginApiDir = join(repoRoot, 'packages', 'plugin-api');
const OPTIONS_NS = 'cellar.datastore.options';
const THROWN = 'memcached options exploded: libmemcached is not installed';

const show = (r: RunResult): string =>
  `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The line of one stream of `r` that mentions `needle`, so checks can ask for things said together. */
function lineWith(r: RunResult, stream: 'stdout' | 'stderr', needle: string): string {
  const line = r[stream].split('\n').find((l) => l.includes(needle));
  assert.ok(line !== undefined, `no line of ${stream} mentions ${needle}:\n${show(r)}`);
  return line;
}

/** A copy of the example under another package name, with its `cellar` field or files changed. */
interface Variant {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly cellar?: Readonly<Record<string, unknown>>;
  readonly files?: Readonly<Record<string, string>>;
}

const variants: readonly Variant[] = [
  {
    dir: 'throws',
    name: 'cellar-datastore-memcached-throws',
    version: '0.9.0',
    files: { 'options.js': `throw new Error('${THROWN}');\n` },
  },
  {
    dir: 'bad-kind',
    name: 'cellar-datastore-badkind',
    version: '0.2.0',
    cellar: { kind: 'database', name: 'badkind' },
  },
  {
    dir: 'bad-capability',
    name: 'cellar-datastore-badcap',
    version: '0.2.1',
    cellar: { capabilities: ['root', 'telepathy'], name: 'badcap' },
  },
  { dir: 'fork', name: 'cellar-datastore-memcached-fork', version: '2.0.0' },
  {
    dir: 'next-contract',
    name: 'cellar-datastore-memcached-next',
    version: '3.0.0',
    cellar: { plugin: 2 },
  },
];

type DeploymentName = 'good' | 'throws' | 'badManifest' | 'duplicate' | 'contract';

/** Each deployment root: its directory label and the plugin packages installed in it. */
const deploymentPlan: Readonly<Record<DeploymentName, { label: string; packages: string[] }>> = {
  good: { label: 'good', packages: ['cellar-datastore-memcached'] },
  throws: { label: 'throws', packages: ['cellar-datastore-memcached-throws'] },
  badManifest: {
    label: 'bad-manifest',
    packages: ['cellar-datastore-badkind', 'cellar-datastore-badcap'],
  },
  duplicate: {
    label: 'duplicate',
    packages: ['cellar-datastore-memcached', 'cellar-datastore-memcached-fork'],
  },
  contract: { label: 'contract', packages: ['cellar-datastore-memcached-next'] },
};

let base: string | undefined;
const roots: Record<DeploymentName, string> = {
  good: '',
  throws: '',
  badManifest: '',
  duplicate: '',
  contract: '',
};
let confDir = '';

async function writeConf(name: string, text: string): Promise<string> {
  const path = join(confDir, name);
  await writeFile(path, text);
  return path;
}

function makeVariants(parent: string): Promise<string[]> {
  return Promise.all(
    variants.map((v) =>
      makeVariant(
        fixtureDir,
        join(parent, v.dir),
        (pkg) => {
          pkg['name'] = v.name;
          pkg['version'] = v.version;
          Object.assign(pkg.cellar, v.cellar);
        },
        v.files,
      ),
    ),
  );
}

/** Installs every planned deployment root from the tarballs, each beside @cellar/plugin-api. */
async function installDeployments(
  parent: string,
  tarballs: ReadonlyMap<string, string>,
): Promise<void> {
  const pick = (names: readonly string[]): Map<string, string> =>
    new Map(
      ['@cellar/plugin-api', ...names].map((name) => {
        const file = tarballs.get(name);
        assert.ok(file, `npm pack made no tarball for ${name}`);
        return [name, file];
      }),
    );
  const names = Object.keys(deploymentPlan) as DeploymentName[];
  // Independent installs: run them side by side (npm's cache is safe for concurrent use).
  const installed = await Promise.all(
    names.map((name) =>
      createDeployment(parent, deploymentPlan[name].label, pick(deploymentPlan[name].packages)),
    ),
  );
  names.forEach((name, i) => (roots[name] = installed[i] ?? ''));
}

async function setUpDeployments(): Promise<void> {
  base = await mkdtemp(join(tmpdir(), 'cellar-third-party-'));
  const packs = join(base, 'packs');
  const variantsDir = join(base, 'variants');
  confDir = join(base, 'conf');
  await Promise.all([mkdir(packs), mkdir(variantsDir), mkdir(confDir)]);
  const variantDirs = await makeVariants(variantsDir);
  // One npm pack for everything: plugin-api (built by scripts/test or tsc -b), the fixture, the variants.
  const tarballs = await npmPack([pluginApiDir, fixtureDir, ...variantDirs], packs);
  await installDeployments(join(base, 'deployments'), tarballs);
}

function manage(root: string, ...args: string[]): Promise<RunResult> {
  // An empty root would make cellar-manage look for a deployment from the working directory.
  assert.ok(root !== '' && base !== undefined, 'the deployments were not set up');
  return cellarManage(root, args, base);
}

/** `config check --side server`, with one configuration file when given. */
function checkServerConfig(root: string, file?: string): Promise<RunResult> {
  const files = file === undefined ? [] : ['--config-file', file];
  return manage(root, 'config', 'check', '--side', 'server', ...files);
}

function listingTests(): void {
  test('plugins list shows memcached 1.0.0 from its package, enabled and loading cleanly', async () => {
    const r = await manage(roots.good, 'plugins', 'list');
    assert.equal(r.code, 0, show(r));
    const row = lineWith(r, 'stdout', 'cellar-datastore-memcached@1.0.0');
    assert.match(
      row,
      /\bmemcached\s+datastore\s+cellar-datastore-memcached@1\.0\.0\s+enabled\s+ok$/,
      show(r),
    );
    assert.doesNotMatch(r.stdout, /Problems:|ERROR/, show(r));

    const json = await manage(roots.good, 'plugins', 'list', '--json');
    assert.equal(json.code, 0, show(json));
    const listed = JSON.parse(json.stdout) as {
      plugins: { name: string; package: string; version: string; errors: string[] }[];
      problems: string[];
    };
    assert.deepEqual(
      listed.plugins.map((p) => ({
        name: p.name,
        package: p.package,
        version: p.version,
        errors: p.errors,
      })),
      [{ name: 'memcached', package: 'cellar-datastore-memcached', version: '1.0.0', errors: [] }],
    );
    assert.deepEqual(listed.problems, []);
  });
}

function sampleTests(): void {
  test('config sample --side server has a [memcached] section with its server options only', async () => {
    const r = await manage(roots.good, 'config', 'sample', '--side', 'server');
    assert.equal(r.code, 0, show(r));
    const section = iniSection(r.stdout, 'memcached');
    assert.ok(section, `no [memcached] section in the server sample:\n${r.stdout}`);
    assert.match(section, /^# From cellar-datastore-memcached$/m);
    assert.match(section, /^#tcp_ports = 11211$/m);
    assert.match(section, /^#backup_strategy =\s*$/m, 'memcached has no backup strategy');
    assert.match(section, /^#replication_strategy =\s*$/m, 'memcached has no replication strategy');
    assert.doesNotMatch(
      section,
      /mount_point|memory_ratio/,
      'guest options do not belong in cellar.conf',
    );
  });

  test('config sample --side guest has the guest options: mount_point and memory_ratio', async () => {
    const r = await manage(roots.good, 'config', 'sample', '--side', 'guest');
    assert.equal(r.code, 0, show(r));
    const section = iniSection(r.stdout, 'memcached');
    assert.ok(section, `no [memcached] section in the guest sample:\n${r.stdout}`);
    assert.match(section, /^#mount_point = \/var\/lib\/memcached$/m);
    assert.match(section, /^#memory_ratio = 0\.8$/m);
    assert.doesNotMatch(section, /tcp_ports/, 'server options do not belong in cellar-guest.conf');
  });
}

function checkTests(): void {
  test('config check accepts a cellar.conf that enables and configures memcached', async () => {
    const file = await writeConf(
      'good.conf',
      '[DEFAULT]\nenabled_datastores = memcached\n\n[memcached]\ntcp_ports = 11211\n',
    );
    const r = await checkServerConfig(roots.good, file);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /The server configuration is valid/);
  });

  test('config check refuses an out-of-range port, naming the file and line', async () => {
    const text = '[DEFAULT]\nenabled_datastores = memcached\n\n[memcached]\ntcp_ports = 99999\n';
    const line = text.split('\n').indexOf('tcp_ports = 99999') + 1;
    const file = await writeConf('bad-port.conf', text);
    const r = await checkServerConfig(roots.good, file);
    assert.notEqual(r.code, 0, show(r));
    const problem = lineWith(r, 'stderr', `${file}:${line}`);
    assert.match(problem, /\[memcached\] tcp_ports = 99999/);
    assert.match(problem, /65535/);
  });

  test('config check refuses an enabled datastore that is not installed, saying what is', async () => {
    const file = await writeConf(
      'couchdb.conf',
      '[DEFAULT]\nenabled_datastores = memcached,couchdb\n',
    );
    const r = await checkServerConfig(roots.good, file);
    assert.notEqual(r.code, 0, show(r));
    const problem = lineWith(r, 'stderr', "'couchdb'");
    assert.match(problem, /not installed/);
    assert.match(problem, /installed: memcached \(cellar-datastore-memcached@1\.0\.0\)/);
  });
}

function throwingOptionsTests(): void {
  test('an options module that throws at import: plugins list and config check name the plugin and the cause', async () => {
    const list = await manage(roots.throws, 'plugins', 'list');
    assert.notEqual(list.code, 0, show(list));
    const row = lineWith(list, 'stdout', 'cellar-datastore-memcached-throws@0.9.0');
    assert.match(row, /^\s*memcached\s/, 'the row names the plugin');
    assert.match(row, /ERROR$/);
    assert.match(
      list.stdout,
      new RegExp(`\\[${OPTIONS_NS.replaceAll('.', '\\.')}\\]: importing the entry point failed`),
    );
    assert.match(list.stdout, new RegExp(`cause: Error: ${THROWN}`));

    const file = await writeConf('throws.conf', '[DEFAULT]\nenabled_datastores = memcached\n');
    const check = await checkServerConfig(roots.throws, file);
    assert.notEqual(check.code, 0, show(check));
    const problem = lineWith(check, 'stderr', 'cellar-datastore-memcached-throws@0.9.0');
    assert.ok(problem.includes('(memcached)') && problem.includes(`[${OPTIONS_NS}]`), show(check));
    assert.match(check.stderr, new RegExp(`cause: Error: ${THROWN}`));
  });
}

function rejectedPackageTests(): void {
  test('a bad cellar field is reported with the package and the JSON path of the mistake', async () => {
    const r = await manage(roots.badManifest, 'plugins', 'list');
    assert.notEqual(r.code, 0, show(r));
    const kind = lineWith(r, 'stdout', 'cellar-datastore-badkind@0.2.0');
    assert.match(kind, /cellar\.kind: 'database' is not a plugin kind/);
    const capability = lineWith(r, 'stdout', 'cellar-datastore-badcap@0.2.1');
    assert.match(capability, /cellar\.capabilities: 'telepathy' is not a capability/);
    assert.doesNotMatch(
      r.stdout,
      /\bbad(kind|cap)\s+datastore\s/,
      'an invalid plugin is not listed as installed',
    );

    const check = await checkServerConfig(roots.badManifest);
    assert.notEqual(check.code, 0, show(check));
    assert.match(lineWith(check, 'stderr', 'cellar-datastore-badkind@0.2.0'), /cellar\.kind/);
  });

  test('two packages providing datastore memcached: an error naming both packages', async () => {
    const r = await manage(roots.duplicate, 'plugins', 'list');
    assert.notEqual(r.code, 0, show(r));
    const problem = lineWith(r, 'stdout', 'provided by both');
    assert.match(problem, /datastore 'memcached'/);
    assert.ok(problem.includes('cellar-datastore-memcached@1.0.0'), show(r));
    assert.ok(problem.includes('cellar-datastore-memcached-fork@2.0.0'), show(r));

    const check = await checkServerConfig(roots.duplicate);
    assert.notEqual(check.code, 0, show(check));
    assert.match(
      check.stderr,
      /provided by both cellar-datastore-memcached@1\.0\.0 and cellar-datastore-memcached-fork@2\.0\.0/,
    );
  });

  test('a plugin built for contract 2: an error naming both contracts and what to upgrade', async () => {
    const r = await manage(roots.contract, 'plugins', 'list');
    assert.notEqual(r.code, 0, show(r));
    const problem = lineWith(r, 'stdout', 'cellar-datastore-memcached-next@3.0.0');
    assert.match(problem, /built for plugin contract 2/);
    assert.match(problem, /implements contract 1/);
    assert.match(problem, /upgrade Cellar/);

    const check = await checkServerConfig(roots.contract);
    assert.notEqual(check.code, 0, show(check));
    assert.match(
      lineWith(check, 'stderr', 'cellar-datastore-memcached-next@3.0.0'),
      /contract 2.*contract 1: upgrade Cellar/,
    );
  });
}

describe('a third-party datastore plugin installed from a tarball', () => {
  before(setUpDeployments, { timeout: 300_000 });
  after(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  listingTests();
  sampleTests();
  checkTests();
  throwingOptionsTests();
  rejectedPackageTests();
});
