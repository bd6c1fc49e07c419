// @cellar/plugin-api/testing: the conformance suite a datastore package runs in its own tests,
// `runDatastoreConformance({ packageDir })` with node:test, and the set-up of its live instances.

import { readFile } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { namespaces } from '../contract.js';
import { validateManifest } from '../manifest.js';
import { resolveExportTarget } from '../package-exports.js';
import {
  checkConfiguration,
  checkGuestCapabilities,
  checkGuestEntry,
  checkLive,
  checkOptions,
  checkServer,
  offlineContext,
  type DatastoreUnderTest,
  type LiveHarness,
} from './conformance.js';
import { checkStrategies } from './strategy-conformance.js';
import type { DatastoreGuest } from '../define.js';

export * from './conformance.js';
export * from './live-instance.js';
export * from './parameter-catalog.js';
export * from './strategy-conformance.js';

export interface ConformanceOptions {
  /** The datastore package's directory (a file URL or path), holding its package.json. */
  readonly packageDir: URL | string;
  /** A real server for the live checks; without it they are skipped with this reason. */
  readonly harness?: LiveHarness;
  /** Why there is no harness, printed with the skip. */
  readonly noHarnessReason?: string;
}

/** Reads a datastore package's manifest and imports its entry points, as a host would. */
export async function loadDatastoreUnderTest(
  packageDir: URL | string,
): Promise<DatastoreUnderTest> {
  const dir = typeof packageDir === 'string' ? packageDir : fileURLToPath(packageDir);
  const pkg = JSON.parse(await readFile(`${dir}/package.json`, 'utf8')) as {
    name?: string;
    cellar?: unknown;
    exports?: unknown;
  };
  const result = validateManifest(pkg.cellar, pkg.exports);
  if (!result.ok)
    throw new Error(`${pkg.name ?? dir}: invalid cellar field:\n  ${result.problems.join('\n  ')}`);
  const load = async (namespace: string): Promise<unknown> => {
    const entry = result.manifest.entryPoints.find((e) => e.namespace === namespace);
    if (!entry) return undefined;
    const file = resolveExportTarget(pkg.exports, entry.subpath);
    if (!file) throw new Error(`${pkg.name ?? dir}: exports has no target for ${entry.subpath}`);
    const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as { default?: unknown };
    return mod.default;
  };
  // Every entry of a namespace by name; one that does not load is kept as its Error, for the kit to report.
  const loadAll = async (namespace: string): Promise<Record<string, unknown>> => {
    const entries = result.manifest.entryPoints.filter((e) => e.namespace === namespace);
    const loaded: Record<string, unknown> = {};
    for (const entry of entries) {
      const file = resolveExportTarget(pkg.exports, entry.subpath);
      loaded[entry.name] = await import(pathToFileURL(`${dir}/${file ?? entry.subpath}`).href).then(
        (mod: { default?: unknown }) => mod.default,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
    }
    return loaded;
  };
  return {
    manifest: result.manifest,
    options: await load(namespaces.datastoreOptions),
    server: await load(namespaces.datastoreServer),
    guest: await load(namespaces.datastoreGuest),
    strategies: {
      backup: await loadAll(namespaces.backupStrategy),
      restore: await loadAll(namespaces.restoreStrategy),
    },
  };
}

function report(t: TestContext, problems: readonly string[]): void {
  if (problems.length > 0)
    throw new Error(`${problems.length} conformance problem(s):\n  ${problems.join('\n  ')}`);
  t.diagnostic('conforms');
}

export function runDatastoreConformance(options: ConformanceOptions): void {
  void test('datastore conformance', async (t) => {
    const subject = await loadDatastoreUnderTest(options.packageDir);
    const name = subject.manifest.name;
    await t.test(`${name}: option groups and their defaults`, (tt) =>
      report(tt, checkOptions(subject)),
    );
    await t.test(
      `${name}: server half`,
      {
        skip:
          subject.server === undefined &&
          `${name} has no ${namespaces.datastoreServer} entry point yet`,
      },
      (tt) => report(tt, checkServer(subject)),
    );
    await t.test(
      `${name}: configuration parameters of each version`,
      {
        skip:
          !subject.manifest.capabilities.includes('configuration') &&
          `${name} does not declare the configuration capability`,
      },
      async (tt) => report(tt, await checkConfiguration(subject)),
    );
    const hasGuest = subject.guest !== undefined;
    const noGuest = `${name} has no ${namespaces.datastoreGuest} entry point yet`;
    await t.test(
      `${name}: guest half and declared capabilities`,
      { skip: !hasGuest && noGuest },
      async (tt) => {
        const entry = checkGuestEntry(subject);
        if (entry.length > 0) return report(tt, entry);
        const offline = await offlineContext(subject);
        try {
          const manager = new (subject.guest as DatastoreGuest<unknown>).manager(offline.context);
          report(tt, await checkGuestCapabilities(subject, manager));
        } finally {
          await offline.dispose();
        }
      },
    );
    await t.test(`${name}: backup and restore strategies`, (tt) =>
      report(tt, checkStrategies(subject, subject.strategies ?? { backup: {}, restore: {} })),
    );
    const liveSkip = !hasGuest
      ? noGuest
      : options.harness
        ? false
        : (options.noHarnessReason ?? 'no live harness given');
    await t.test(
      `${name}: declared capabilities against a real server`,
      { skip: liveSkip },
      async (tt) => {
        const harness = options.harness as LiveHarness;
        try {
          report(tt, await checkLive(subject, await harness.createManager()));
        } finally {
          await harness.dispose();
        }
      },
    );
  });
}
