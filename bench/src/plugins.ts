// Benchmark: plugin start-up with and without a fresh plugin lock file.
//
// Builds a synthetic deployment root (200 declared dependencies, 20 of them datastore plugins, a
// realistic package-lock.json) in a temp dir, then times, interleaved in one process:
//   (a) discovery:  openPlugins({ appRoot, lockFile: undefined })  - resolves every dependency
//   (b) fresh lock: openPlugins({ appRoot, lockFile })             - reads plugins.lock.json
// and prints median / p90 per case, the ratio of medians, and a breakdown of what each path spends
// its time on. Exits 1 if the speed-up is below the target (so it can be used as a check).
//
// Neither path imports plugin code (entry points are imported lazily by PluginHost.load), so
// module import cost is not part of either number.
//
//   node bench/dist/plugins.js [--iterations N] [--warmup N] [--target X] [--transitive N] [--keep]

import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { validateManifest } from '@cellar/plugin-api';
import {
  discoverPlugins,
  lockKey,
  openPlugins,
  readLock,
  writeLock,
  type OpenedPlugins,
} from '@cellar/plugins';

const DEPENDENCIES = 200;
const PLUGINS = 20;
const LOCK_FILE = 'plugins.lock.json';
const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    target: { type: 'string', default: '10' },
    /** Hoisted transitive packages listed in package-lock.json (not on disk: neither path reads them). */
    transitive: { type: 'string', default: '700' },
    keep: { type: 'boolean', default: false },
  },
});
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const target = Number(args.target);
const TRANSITIVE = Number(args.transitive);
if (!(iterations > 0 && warmup >= 0 && target > 0 && TRANSITIVE > 0)) {
  throw new Error('--iterations, --warmup, --target and --transitive must be positive numbers');
}

// ---------------------------------------------------------------------------------------------
// The synthetic deployment root

/** Deterministic pseudo-random bytes, so every run builds the same tree. */
function digest(algorithm: 'sha1' | 'sha512', seed: string): string {
  return createHash(algorithm)
    .update(seed)
    .digest(algorithm === 'sha1' ? 'hex' : 'base64');
}

interface Dep {
  readonly name: string;
  readonly version: string;
  readonly plugin?: string;
}

function dependencyList(): Dep[] {
  const deps: Dep[] = [];
  const scopes = ['@acme', '@types', '@aws-sdk', '@opentelemetry', '@smithy'];
  for (let i = 0; i < DEPENDENCIES; i++) {
    const version = `${1 + (i % 7)}.${(i * 3) % 20}.${i % 11}`;
    const isPlugin = i % (DEPENDENCIES / PLUGINS) === 3;
    const n = String(i).padStart(3, '0');
    let name: string;
    if (isPlugin)
      name = i % 4 === 3 ? `@acme/cellar-datastore-bench${n}` : `cellar-datastore-bench${n}`;
    else if (i % 5 === 0) name = `${scopes[(i / 5) % scopes.length] ?? '@acme'}/lib-${n}`;
    else name = `bench-lib-${n}`;
    deps.push(isPlugin ? { name, version, plugin: `bench_store_${n}` } : { name, version });
  }
  return deps;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function packageJsonOf(dep: Dep, index: number): Record<string, unknown> {
  const common = {
    name: dep.name,
    version: dep.version,
    description: `Synthetic package ${index} for the Cellar plugin start-up benchmark`,
    license: 'MIT',
    author: 'Bench <bench@example.invalid>',
    repository: {
      type: 'git',
      url: `git+https://example.invalid/${dep.name.replace('@', '')}.git`,
    },
    homepage: `https://example.invalid/${dep.name.replace('@', '')}#readme`,
    keywords: ['bench', 'synthetic', `group-${index % 9}`],
    engines: { node: '>=18' },
    files: ['dist', 'lib', 'index.js'],
    scripts: { build: 'tsc -b', test: 'node --test', prepublishOnly: 'npm run build' },
  };
  if (dep.plugin !== undefined) {
    return {
      ...common,
      type: 'module',
      exports: { './options': './options.js', './package.json': './package.json' },
      peerDependencies: { '@cellar/plugin-api': '^0.1.0' },
      cellar: {
        plugin: 1,
        kind: 'datastore',
        name: dep.plugin,
        entryPoints: { 'cellar.datastore.options': './options' },
      },
    };
  }
  return {
    ...common,
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', import: './index.mjs', require: './index.js' },
      './package.json': './package.json',
    },
    dependencies: {
      [`transitive-${String(index % TRANSITIVE).padStart(3, '0')}`]: '^1.0.0',
      [`transitive-${String((index * 7) % TRANSITIVE).padStart(3, '0')}`]: '^2.1.0',
    },
    devDependencies: { typescript: '^5.4.0', '@types/node': '^20.0.0' },
  };
}

function lockEntry(
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = name.split('/').pop() ?? name;
  return {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
    integrity: `sha512-${digest('sha512', `${name}@${version}`)}`,
    license: 'MIT',
    ...extra,
  };
}

function packageLockOf(deps: readonly Dep[]): Record<string, unknown> {
  const dependencies = Object.fromEntries(deps.map((d) => [d.name, `^${d.version}`]));
  const packages: Record<string, unknown> = {
    '': { name: 'bench-deployment', version: '1.0.0', dependencies },
  };
  deps.forEach((d, i) => {
    packages[`node_modules/${d.name}`] = lockEntry(d.name, d.version, {
      ...(d.plugin === undefined
        ? {
            dependencies: {
              [`transitive-${String(i % TRANSITIVE).padStart(3, '0')}`]: '^1.0.0',
              [`transitive-${String((i * 7) % TRANSITIVE).padStart(3, '0')}`]: '^2.1.0',
            },
          }
        : { peerDependencies: { '@cellar/plugin-api': '^0.1.0' } }),
      engines: { node: '>=18' },
      funding: { type: 'github', url: `https://github.com/sponsors/bench-${i % 13}` },
    });
  });
  for (let t = 0; t < TRANSITIVE; t++) {
    const name = `transitive-${String(t).padStart(3, '0')}`;
    packages[`node_modules/${name}`] = lockEntry(name, `${1 + (t % 3)}.${t % 17}.${t % 5}`, {
      dev: t % 4 === 0 ? true : undefined,
      dependencies:
        t % 3 === 0
          ? { [`transitive-${String((t + 1) % TRANSITIVE).padStart(3, '0')}`]: '^1.0.0' }
          : undefined,
      engines: { node: '>=14' },
    });
  }
  return {
    name: 'bench-deployment',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages,
  };
}

interface Fixture {
  readonly appRoot: string;
  readonly deps: readonly Dep[];
  readonly packageLockBytes: number;
  readonly lockBytes: number;
}

function buildFixture(): Fixture {
  const appRoot = realpathSync(mkdtempSync(join(tmpdir(), 'cellar-bench-plugins-')));
  const deps = dependencyList();
  writeJson(join(appRoot, 'package.json'), {
    name: 'bench-deployment',
    version: '1.0.0',
    private: true,
    type: 'module',
    cellar: { deployment: true },
    dependencies: Object.fromEntries(deps.map((d) => [d.name, `^${d.version}`])),
  });
  deps.forEach((dep, i) => {
    const dir = join(appRoot, 'node_modules', dep.name);
    mkdirSync(dir, { recursive: true });
    writeJson(join(dir, 'package.json'), packageJsonOf(dep, i));
    if (dep.plugin !== undefined) {
      writeFileSync(
        join(dir, 'options.js'),
        `// never imported by this benchmark\nexport default { name: '${dep.plugin}' };\n`,
      );
    } else {
      writeFileSync(join(dir, 'index.js'), `module.exports = ${i};\n`);
    }
  });
  writeJson(join(appRoot, 'package-lock.json'), packageLockOf(deps));
  return {
    appRoot,
    deps,
    packageLockBytes: readFileSync(join(appRoot, 'package-lock.json')).length,
    lockBytes: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Timing helpers

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

const median = (samples: readonly number[]): number => {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Runs the cases round-robin, rotating which goes first each round, so noise hits all of them alike. */
function interleaved(cases: readonly (() => unknown)[], rounds: number): number[][] {
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = (r + k) % cases.length;
      samples[c]?.push(time(cases[c] as () => unknown));
    }
  }
  return samples;
}

const ms = (v: number): string => v.toFixed(3).padStart(9);

function table(title: string, rows: readonly (readonly [string, readonly number[]])[]): void {
  const width = Math.max(...rows.map(([label]) => label.length), 10);
  console.log(`\n${title}`);
  console.log(
    `  ${'case'.padEnd(width)}  ${'median ms'.padStart(9)}  ${'p90 ms'.padStart(9)}  ${'min ms'.padStart(9)}`,
  );
  for (const [label, s] of rows)
    console.log(
      `  ${label.padEnd(width)}  ${ms(median(s))}  ${ms(percentile(s, 90))}  ${ms(Math.min(...s))}`,
    );
}

// ---------------------------------------------------------------------------------------------
// Checks

function pluginSet(opened: OpenedPlugins): string {
  return opened.host.plugins
    .map(
      (p) =>
        `${p.package}@${p.version}:${p.manifest.kind}:${p.manifest.name}:${p.dir}:${JSON.stringify(p.entryFiles)}`,
    )
    .sort()
    .join('\n');
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark precondition failed: ${message}`);
}

// ---------------------------------------------------------------------------------------------

function main(): number {
  const started = performance.now();
  const fixture = buildFixture();
  const { appRoot } = fixture;
  try {
    // Correctness first: both paths must agree on the same 20 plugins, with no problems.
    const found = discoverPlugins(appRoot);
    check(
      found.problems.length === 0,
      `discovery reported problems: ${JSON.stringify(found.problems)}`,
    );
    check(
      found.plugins.length === PLUGINS,
      `discovery found ${found.plugins.length} plugins, expected ${PLUGINS}`,
    );
    const lockPathWritten = writeLock(appRoot, LOCK_FILE, found.plugins);
    const lockBytes = readFileSync(lockPathWritten).length;

    const withoutLock = (): OpenedPlugins => openPlugins({ appRoot, lockFile: undefined });
    const withLock = (): OpenedPlugins => openPlugins({ appRoot, lockFile: LOCK_FILE });
    const a = withoutLock();
    const b = withLock();
    check(a.source === 'discovery', `(a) source is '${a.source}'`);
    check(b.source === 'lock', `(b) source is '${b.source}', notices: ${b.notices.join('; ')}`);
    check(b.host.problems.length === 0 && a.host.problems.length === 0, 'a path reported problems');
    check(b.host.plugins.length === PLUGINS, `(b) returned ${b.host.plugins.length} plugins`);
    check(pluginSet(a) === pluginSet(b), '(a) and (b) returned different plugins');

    console.log('Cellar plugin start-up benchmark');
    console.log(
      `  node ${process.version}, ${process.platform}/${process.arch}, appRoot ${appRoot}`,
    );
    console.log(
      `  fixture: ${DEPENDENCIES} declared dependencies (${fixture.deps.filter((d) => d.name.startsWith('@')).length} scoped), ` +
        `${PLUGINS} datastore plugins, package-lock.json ${(fixture.packageLockBytes / 1024).toFixed(0)} KB ` +
        `(${DEPENDENCIES + TRANSITIVE} packages), ${LOCK_FILE} ${(lockBytes / 1024).toFixed(1)} KB`,
    );
    console.log(
      `  ${warmup} warm-up + ${iterations} measured rounds, the two cases interleaved (order alternating)`,
    );
    console.log(
      '  plugin entry points are imported lazily (PluginHost.load), so import cost is in neither number',
    );

    interleaved([withoutLock, withLock], warmup);
    const [noLock = [], lock = []] = interleaved([withoutLock, withLock], iterations);

    table('openPlugins()', [
      ['(a) without lock (discovery)', noLock],
      ['(b) with fresh lock', lock],
    ]);

    // Where each path spends its time: its parts, each replicated with the same fs/hash calls the
    // product code makes, measured interleaved like the main cases.
    const depNames = fixture.deps.map((d) => d.name);
    const depDirs = depNames.map((n) => join(appRoot, 'node_modules', n));
    const lockPath = resolve(appRoot, LOCK_FILE);
    const lockJson = JSON.parse(readFileSync(lockPath, 'utf8')) as {
      plugins: { dir: string; cellar: unknown; exports: unknown }[];
    };
    const pluginDirs = lockJson.plugins.map((p) => resolve(appRoot, p.dir));
    const steps: [string, () => unknown][] = [
      ['(a) discoverPlugins()', () => discoverPlugins(appRoot)],
      [
        '(a)  existsSync node_modules/<dep>/package.json x200',
        () => depDirs.forEach((d) => existsSync(join(d, 'package.json'))),
      ],
      [
        '(a)  read + JSON.parse dep package.json x200',
        () =>
          depDirs.map((d): unknown => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'))),
      ],
      ['(a)  realpathSync dep dir x200', () => depDirs.forEach((d) => realpathSync(d))],
      [
        '(a)  validateManifest x20',
        () => lockJson.plugins.forEach((p) => validateManifest(p.cellar, p.exports)),
      ],
      ['(b) readLock()', () => readLock(appRoot, LOCK_FILE)],
      [
        '(b)  read + JSON.parse plugins.lock.json',
        (): unknown => JSON.parse(readFileSync(lockPath, 'utf8')),
      ],
      [
        '(b)  lockKey(): the content hash, paid only when a keyed file changed since locking',
        () => lockKey(appRoot, pluginDirs),
      ],
      [
        '(b)  validateManifest x20',
        () => lockJson.plugins.forEach((p) => validateManifest(p.cellar, p.exports)),
      ],
    ];
    interleaved(
      steps.map(([, fn]) => fn),
      warmup,
    );
    const stepSamples = interleaved(
      steps.map(([, fn]) => fn),
      iterations,
    );
    table(
      'breakdown (replicas of the sub-steps)',
      steps.map(([label], i) => [label, stepSamples[i] ?? []] as const),
    );
    const ratio = median(noLock) / median(lock);
    console.log(`\nsetup + run took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`lock speed-up: ${ratio.toFixed(1)}x (target >= ${target}x)`);
    return ratio >= target ? 0 : 1;
  } finally {
    if (args.keep) console.log(`kept ${appRoot}`);
    else rmSync(appRoot, { recursive: true, force: true });
  }
}

process.exitCode = main();
