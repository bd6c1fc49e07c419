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

let base: string | undefined;
const roots: Record<'good' | 'throws' | 'badManifest' | 'duplicate' | 'contract', string> = {
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

describe('a third-party datastore plugin installed from a tarball', () => {
  before(
    async () => {
      base = await mkdtemp(join(tmpdir(), 'cellar-third-party-'));
      const packs = join(base, 'packs');
      const variants = join(base, 'variants');
      confDir = join(base, 'conf');
      await Promise.all([mkdir(packs), mkdir(variants), mkdir(confDir)]);

      const throws = await makeVariant(
        fixtureDir,
        join(variants, 'throws'),
        (pkg) => {
          pkg['name'] = 'cellar-datastore-memcached-throws';
          pkg['version'] = '0.9.0';
        },
        { 'options.js': `throw new Error('${THROWN}');\n` },
      );
      const badKind = await makeVariant(fixtureDir, join(variants, 'bad-kind'), (pkg) => {
        pkg['name'] = 'cellar-datastore-badkind';
        pkg['version'] = '0.2.0';
        pkg.cellar['kind'] = 'database';
        pkg.cellar['name'] = 'badkind';
      });
      const badCapability = await makeVariant(
        fixtureDir,
        join(variants, 'bad-capability'),
        (pkg) => {
          pkg['name'] = 'cellar-datastore-badcap';
          pkg['version'] = '0.2.1';
          pkg.cellar['capabilities'] = ['root', 'telepathy'];
          pkg.cellar['name'] = 'badcap';
        },
      );
      const fork = await makeVariant(fixtureDir, join(variants, 'fork'), (pkg) => {
        pkg['name'] = 'cellar-datastore-memcached-fork';
        pkg['version'] = '2.0.0';
      });
      const nextContract = await makeVariant(fixtureDir, join(variants, 'next-contract'), (pkg) => {
        pkg['name'] = 'cellar-datastore-memcached-next';
        pkg['version'] = '3.0.0';
        pkg.cellar['plugin'] = 2;
      });

      // One npm pack for everything: plugin-api (built by scripts/test or tsc -b), the fixture, the variants.
      const tgz = await npmPack(
        [pluginApiDir, fixtureDir, throws, badKind, badCapability, fork, nextContract],
        packs,
      );
      const pick = (...names: string[]): Map<string, string> =>
        new Map(
          ['@cellar/plugin-api', ...names].map((name) => {
            const file = tgz.get(name);
            assert.ok(file, `npm pack made no tarball for ${name}`);
            return [name, file];
          }),
        );

      const deployments = join(base, 'deployments');
      // Independent installs: run them side by side (npm's cache is safe for concurrent use).
      [roots.good, roots.throws, roots.badManifest, roots.duplicate, roots.contract] =
        await Promise.all([
          createDeployment(deployments, 'good', pick('cellar-datastore-memcached')),
          createDeployment(deployments, 'throws', pick('cellar-datastore-memcached-throws')),
          createDeployment(
            deployments,
            'bad-manifest',
            pick('cellar-datastore-badkind', 'cellar-datastore-badcap'),
          ),
          createDeployment(
            deployments,
            'duplicate',
            pick('cellar-datastore-memcached', 'cellar-datastore-memcached-fork'),
          ),
          createDeployment(deployments, 'contract', pick('cellar-datastore-memcached-next')),
        ]);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  const manage = (root: string, ...args: string[]): Promise<RunResult> => {
    // An empty root would make cellar-manage look for a deployment from the working directory.
    assert.ok(root !== '' && base !== undefined, 'the deployments were not set up');
    return cellarManage(root, args, base);
  };

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

  test('config check accepts a cellar.conf that enables and configures memcached', async () => {
    const file = await writeConf(
      'good.conf',
      '[DEFAULT]\nenabled_datastores = memcached\n\n[memcached]\ntcp_ports = 11211\n',
    );
    const r = await manage(
      roots.good,
      'config',
      'check',
      '--side',
      'server',
      '--config-file',
      file,
    );
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /The server configuration is valid/);
  });

  test('config check refuses an out-of-range port, naming the file and line', async () => {
    const text = '[DEFAULT]\nenabled_datastores = memcached\n\n[memcached]\ntcp_ports = 99999\n';
    const line = text.split('\n').indexOf('tcp_ports = 99999') + 1;
    const file = await writeConf('bad-port.conf', text);
    const r = await manage(
      roots.good,
      'config',
      'check',
      '--side',
      'server',
      '--config-file',
      file,
    );
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
    const r = await manage(
      roots.good,
      'config',
      'check',
      '--side',
      'server',
      '--config-file',
      file,
    );
    assert.notEqual(r.code, 0, show(r));
    const problem = lineWith(r, 'stderr', "'couchdb'");
    assert.match(problem, /not installed/);
    assert.match(problem, /installed: memcached \(cellar-datastore-memcached@1\.0\.0\)/);
  });

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
    const check = await manage(
      roots.throws,
      'config',
      'check',
      '--side',
      'server',
      '--config-file',
      file,
    );
    assert.notEqual(check.code, 0, show(check));
    const problem = lineWith(check, 'stderr', 'cellar-datastore-memcached-throws@0.9.0');
    assert.ok(problem.includes('(memcached)') && problem.includes(`[${OPTIONS_NS}]`), show(check));
    assert.match(check.stderr, new RegExp(`cause: Error: ${THROWN}`));
  });

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

    const check = await manage(roots.badManifest, 'config', 'check', '--side', 'server');
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

    const check = await manage(roots.duplicate, 'config', 'check', '--side', 'server');
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

    const check = await manage(roots.contract, 'config', 'check', '--side', 'server');
    assert.notEqual(check.code, 0, show(check));
    assert.match(
      lineWith(check, 'stderr', 'cellar-datastore-memcached-next@3.0.0'),
      /contract 2.*contract 1: upgrade Cellar/,
    );
  });
});
