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

import { existsSync, readFileSync, realpathSync, rmSync } from 'node:fs';
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
import { buildFixture, type Fixture } from './synthetic-deployment.js';

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

/**
 * Where each path spends its time: its parts, each replicated with the same fs/hash calls the
 * product code makes, measured interleaved like the main cases.
 */
function breakdown(fixture: Fixture): void {
  const { appRoot } = fixture;
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
      () => depDirs.map((d): unknown => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'))),
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
}

function main(): number {
  const started = performance.now();
  const fixture = buildFixture({
    dependencies: DEPENDENCIES,
    plugins: PLUGINS,
    transitive: TRANSITIVE,
  });
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

    breakdown(fixture);
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
