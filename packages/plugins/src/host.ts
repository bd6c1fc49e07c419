// The plugin host: the installed plugins (from the lock file, discovery or memory), which of them
// are enabled, and lazy, brand-checked imports of one entry point at a time.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  brandOf,
  CONTRACT_MAJOR,
  exportKindOf,
  validateManifest,
  type Namespace,
  type PluginKind,
} from '@cellar/plugin-api';
import { checkDuplicates, discoverPlugins, type InstalledPlugin } from './discover.js';
import { readLock } from './lock.js';
import type { PluginProblem } from './problems.js';

/** Loads one entry point's module and returns its default export. */
export type EntryImporter = (
  plugin: InstalledPlugin,
  namespace: string,
  name: string,
) => Promise<unknown>;

export const fileImporter: EntryImporter = async (plugin, namespace, name) => {
  const file = plugin.entryFiles[namespace]?.[name];
  if (file === undefined) throw new Error(`no entry point '${name}' in ${namespace}`);
  const mod = (await import(pathToFileURL(join(plugin.dir, file)).href)) as { default?: unknown };
  if (!('default' in mod)) throw new Error(`${file} has no default export`);
  return mod.default;
};

/** A failed load of one entry point, carrying the scoped problem for the aggregated report. */
export class EntryLoadFailure extends Error {
  constructor(readonly problem: PluginProblem) {
    super(problem.message, { cause: problem.cause });
    this.name = 'EntryLoadFailure';
  }
}

export interface EntryRef {
  readonly plugin: InstalledPlugin;
  readonly namespace: string;
  readonly name: string;
}

export class PluginHost {
  readonly #cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly plugins: readonly InstalledPlugin[],
    readonly problems: readonly PluginProblem[] = [],
    private readonly importer: EntryImporter = fileImporter,
  ) {}

  ofKind(kind: PluginKind): InstalledPlugin[] {
    return this.plugins.filter((p) => p.manifest.kind === kind);
  }

  find(kind: PluginKind, name: string): InstalledPlugin | undefined {
    return this.plugins.find((p) => p.manifest.kind === kind && p.manifest.name === name);
  }

  /** A host over a subset of these plugins (the enabled ones), sharing the import cache. */
  restrict(plugins: readonly InstalledPlugin[]): PluginHost {
    const host = new PluginHost(plugins, this.problems, this.importer);
    for (const [k, v] of this.#cache) host.#cache.set(k, v);
    return host;
  }

  entries(namespace: string): EntryRef[] {
    return this.plugins.flatMap((plugin) =>
      plugin.manifest.entryPoints
        .filter((e) => e.namespace === namespace)
        .map((e) => ({ plugin, namespace, name: e.name })),
    );
  }

  /** Imports one entry point (once per process) and checks the brand its define*() helper stamped. */
  load(ref: EntryRef): Promise<unknown> {
    const id = `${ref.plugin.dir}\u0000${ref.namespace}\u0000${ref.name}`;
    let loading = this.#cache.get(id);
    if (!loading) {
      loading = this.#loadChecked(ref);
      this.#cache.set(id, loading);
    }
    return loading;
  }

  async #loadChecked({ plugin, namespace, name }: EntryRef): Promise<unknown> {
    const scope = {
      package: plugin.package,
      version: plugin.version,
      plugin: plugin.manifest.name,
      namespace,
    };
    let value: unknown;
    try {
      value = await this.importer(plugin, namespace, name);
    } catch (cause) {
      throw new EntryLoadFailure({ ...scope, message: 'importing the entry point failed', cause });
    }
    const expected = exportKindOf[namespace as Namespace];
    if (expected === undefined) return value;
    const b = brandOf(value);
    if (!b)
      throw new EntryLoadFailure({
        ...scope,
        message: `the default export is not a ${expected} made with @cellar/plugin-api's define helper`,
      });
    if (b.contract !== CONTRACT_MAJOR) {
      throw new EntryLoadFailure({
        ...scope,
        message: `the entry was built against plugin contract ${b.contract}; this Cellar implements ${CONTRACT_MAJOR}`,
      });
    }
    if (b.kind !== expected)
      throw new EntryLoadFailure({
        ...scope,
        message: `the entry exports a ${b.kind}, but ${namespace} holds ${expected} entries`,
      });
    // A datastore's or storage's entries carry the plugin's own name: it names config sections.
    const named =
      namespace.startsWith('cellar.datastore.') || namespace.startsWith('cellar.backup.storage');
    if (named && b.name !== plugin.manifest.name) {
      throw new EntryLoadFailure({
        ...scope,
        message: `the entry calls itself '${b.name}', but the package's cellar.name is '${plugin.manifest.name}'`,
      });
    }
    // A strategy is found by the name its entry point gives it: the two must agree.
    const strategy = expected === 'backup.strategy' || expected === 'restore.strategy';
    if (strategy && b.name !== name) {
      throw new EntryLoadFailure({
        ...scope,
        message: `the entry is the ${expected} '${b.name}', but its entry point names it '${name}'`,
      });
    }
    return value;
  }
}

export interface OpenOptions {
  readonly appRoot: string;
  /** The lock file, relative to the root; undefined to always resolve. */
  readonly lockFile?: string;
  /** A missing or stale lock is an error instead of a reason to resolve again. */
  readonly requireLock?: boolean;
}

export interface OpenedPlugins {
  readonly host: PluginHost;
  readonly source: 'lock' | 'discovery';
  readonly notices: readonly string[];
}

/** The installed plugins: from a fresh lock file when there is one, else by discovery. */
export function openPlugins(options: OpenOptions): OpenedPlugins {
  const notices: string[] = [];
  if (options.lockFile !== undefined) {
    const lock = readLock(options.appRoot, options.lockFile);
    if (lock.state === 'fresh')
      return { host: new PluginHost(lock.plugins), source: 'lock', notices };
    const why =
      lock.state === 'missing'
        ? `there is no plugin lock file ${options.lockFile}`
        : `the plugin lock file ${options.lockFile} is ${lock.state}: ${lock.reason}`;
    if (options.requireLock) {
      return {
        host: new PluginHost(
          [],
          [{ message: `${why}; run \`cellar-manage plugins lock\` (plugins.require_lock is on)` }],
        ),
        source: 'lock',
        notices,
      };
    }
    if (lock.state !== 'missing')
      notices.push(
        `${why}; resolved plugins from the dependencies instead (run \`cellar-manage plugins lock\`)`,
      );
  }
  const found = discoverPlugins(options.appRoot);
  return { host: new PluginHost(found.plugins, found.problems), source: 'discovery', notices };
}

export interface InMemoryPlugin {
  readonly package: string;
  readonly version?: string;
  /** The `cellar` field as it would be in package.json. */
  readonly cellar: unknown;
  /** Default exports by subpath (`./options`), standing in for the package's modules. */
  readonly modules: Readonly<Record<string, unknown>>;
  /**
   * Subpaths imported only when their entry is first loaded, each answering its default export:
   * a guest artifact keeps a storage's SDK out of start-up this way.
   */
  readonly lazy?: Readonly<Record<string, () => Promise<unknown>>>;
}

/** A host over plugins held in memory, for tests (stevedore's make_test_instance). */
export function createPluginRegistry(spec: {
  readonly plugins: readonly InMemoryPlugin[];
}): PluginHost {
  const problems: PluginProblem[] = [];
  const plugins: InstalledPlugin[] = [];
  const modules = new Map<string, Readonly<Record<string, unknown>>>();
  const lazy = new Map<string, Readonly<Record<string, () => Promise<unknown>>>>();
  for (const p of spec.plugins) {
    const exportsField = Object.fromEntries(
      [...Object.keys(p.modules), ...Object.keys(p.lazy ?? {}), './package.json'].map((k) => [
        k,
        k,
      ]),
    );
    const checked = validateManifest(p.cellar, exportsField);
    if (!checked.ok) {
      for (const message of checked.problems)
        problems.push({ package: p.package, message: `invalid cellar field: ${message}` });
      continue;
    }
    const dir = `memory:${p.package}`;
    const entryFiles: Record<string, Record<string, string>> = {};
    for (const e of checked.manifest.entryPoints)
      (entryFiles[e.namespace] ??= {})[e.name] = e.subpath;
    modules.set(dir, p.modules);
    if (p.lazy) lazy.set(dir, p.lazy);
    plugins.push({
      package: p.package,
      version: p.version ?? '0.0.0',
      dir,
      manifest: checked.manifest,
      entryFiles,
    });
  }
  const importer: EntryImporter = async (plugin, namespace, name) => {
    const subpath = plugin.entryFiles[namespace]?.[name] ?? '';
    const load = lazy.get(plugin.dir)?.[subpath];
    const value = load ? await load() : modules.get(plugin.dir)?.[subpath];
    if (value instanceof Error) throw value;
    return value;
  };
  return new PluginHost(checkDuplicates(plugins, problems), problems, importer);
}
