// Start-up of any Cellar process: collect the configuration sources, open the installed plugins
// (lock file or discovery), register the core, datastore and backup storage option groups,
// validate everything, and return either a ready configuration or every problem at once.

import { namespaces, type DatastoreOptions, type OptionGroup, type Side } from '@cellar/plugin-api';
import {
  EntryLoadFailure,
  findAppRoot,
  formatPluginProblem,
  namedExtensionManager,
  openPlugins,
  problemsOf,
  selectEnabled,
  type InstalledPlugin,
  type OpenedPlugins,
  type PluginHost,
  type PluginProblem,
} from '@cellar/plugins';
import {
  backupStorageDefaults,
  guestBackupStorage,
  selectBackupStorages,
  selectGuestStorage,
} from './bootstrap-storages.js';
import { coreGroups, guestDefaults, serverDefaults, serverPlugins } from './core-options.js';
import {
  formatProblem,
  loadConfig,
  previewGroup,
  type Configuration,
  type LoadResult,
} from './load.js';
import { OptionRegistry } from './registry.js';
import {
  collectSources,
  type CollectedSources,
  type RawSetting,
  type SourceSpec,
} from './sources.js';

export interface OwnedGroup {
  readonly group: OptionGroup;
  readonly owner: string;
}

export interface BootstrapOptions extends SourceSpec {
  readonly side: Side;
  /** The process's own option groups (the server's [database], [identity], …), beside the core ones. */
  readonly groups?: readonly OwnedGroup[];
  /** The deployment root; found from the working directory when absent. */
  readonly appRoot?: string;
  /**
   * Plugins opened in advance instead of discovered from the deployment root: a guest artifact
   * carries its one datastore inside it (createPluginRegistry over the bundled modules).
   */
  readonly plugins?: PluginHost;
  readonly cwd?: string;
}

export interface Bootstrapped {
  readonly appRoot: string;
  readonly config: Configuration;
  readonly registry: OptionRegistry;
  /** Every installed plugin; `enabled` are the datastores this process serves. */
  readonly host: PluginHost;
  readonly enabled: readonly InstalledPlugin[];
  readonly pluginSource: 'lock' | 'discovery';
  /** Info lines: installed-but-not-enabled plugins, a stale lock that was bypassed. */
  readonly notices: readonly string[];
  /** Deprecated names in use and the like: start-up goes on. */
  readonly warnings: readonly string[];
}

export type BootstrapResult =
  | ({ readonly ok: true } & Bootstrapped)
  | {
      readonly ok: false;
      readonly problems: readonly string[];
      readonly warnings: readonly string[];
      readonly notices: readonly string[];
    };

export const CORE_OWNER = '@cellar/config';

function loadProblems(error: unknown): readonly PluginProblem[] {
  if (error instanceof EntryLoadFailure) return [error.problem];
  return problemsOf(error) ?? [{ message: 'loading plugin options failed', cause: error }];
}

/** The option groups of the given datastores, registered beside the core groups. */
async function buildRegistry(
  host: PluginHost,
  datastores: readonly InstalledPlugin[],
  own: readonly OwnedGroup[],
): Promise<OptionRegistry> {
  const registry = new OptionRegistry();
  for (const group of [...coreGroups, backupStorageDefaults, guestBackupStorage])
    registry.register(group, CORE_OWNER);
  for (const { group, owner } of own) registry.register(group, owner);
  const names = datastores.map((p) => p.manifest.name);
  const loaded = await namedExtensionManager<DatastoreOptions>(
    host,
    namespaces.datastoreOptions,
    names,
  );
  for (const ext of loaded) {
    registry.register(ext.obj.server, ext.plugin.package);
    registry.register(ext.obj.guest, ext.plugin.package);
  }
  return registry;
}

/** The datastores a process registers options for, with what stops start-up and what is a note. */
interface Selection {
  readonly wanted: readonly InstalledPlugin[];
  readonly problems: readonly PluginProblem[];
  readonly notices: readonly string[];
}

/** The plugins given in advance, else the lock file's or the deployment root's. */
function openPluginsOf(
  options: BootstrapOptions,
  appRoot: string,
  settings: readonly RawSetting[],
): OpenedPlugins {
  if (options.plugins) return { host: options.plugins, source: 'discovery', notices: [] };
  const pluginSettings = previewGroup(serverPlugins, settings);
  return openPlugins({
    appRoot,
    lockFile: pluginSettings['lock_file'] as string,
    requireLock: pluginSettings['require_lock'] as boolean,
  });
}

/**
 * A server serves its enabled datastores: only their broken plugins stop start-up, and the
 * installed-but-disabled ones whose options load are registered too.
 */
async function selectServerDatastores(
  host: PluginHost,
  settings: readonly RawSetting[],
): Promise<Selection> {
  const enabledNames = previewGroup(serverDefaults, settings)[
    'enabled_datastores'
  ] as readonly string[];
  const selected = selectEnabled(host, 'datastore', enabledNames, '[DEFAULT] enabled_datastores');
  const problems = [...selected.problems];
  const notices = [...selected.notices];
  const everything = enabledNames.includes('*');
  for (const p of host.problems) {
    if (everything || p.plugin === undefined || enabledNames.includes(p.plugin)) problems.push(p);
    else notices.push(`not enabled, and broken: ${formatPluginProblem(p)}`);
  }
  const disabled = await disabledWithOptions(host, selected.plugins);
  return {
    wanted: [...selected.plugins, ...disabled.plugins],
    problems,
    notices: [...notices, ...disabled.notices],
  };
}

/**
 * Sections of installed-but-disabled datastores are still recognised, so turning a datastore off
 * does not make its section an error; their options load only when they load cleanly.
 */
async function disabledWithOptions(
  host: PluginHost,
  enabled: readonly InstalledPlugin[],
): Promise<{ plugins: InstalledPlugin[]; notices: string[] }> {
  const plugins: InstalledPlugin[] = [];
  const notices: string[] = [];
  for (const p of host.ofKind('datastore')) {
    if (enabled.includes(p)) continue;
    try {
      await host.load({ plugin: p, namespace: namespaces.datastoreOptions, name: p.manifest.name });
      plugins.push(p);
    } catch (error) {
      notices.push(
        ...loadProblems(error).map(
          (x) => `not enabled, and its options do not load: ${formatPluginProblem(x)}`,
        ),
      );
    }
  }
  return { plugins, notices };
}

/** A guest serves the one datastore its datastore_manager names, which must be installed. */
function selectGuestDatastore(host: PluginHost, settings: readonly RawSetting[]): Selection {
  const manager = previewGroup(guestDefaults, settings)['datastore_manager'] as string | undefined;
  const problems = [...host.problems];
  const plugin = manager === undefined ? undefined : host.find('datastore', manager);
  if (manager !== undefined && plugin === undefined) {
    problems.push({
      plugin: manager,
      message: `datastore_manager names '${manager}', which is not installed in this guest; installed: ${
        host
          .ofKind('datastore')
          .map((p) => p.manifest.name)
          .join(', ') || 'none'
      }`,
    });
  }
  return { wanted: plugin ? [plugin] : [], problems, notices: [] };
}

/** The registry of the wanted datastores' options, or the problems that kept it from loading. */
async function registryOf(
  host: PluginHost,
  wanted: readonly InstalledPlugin[],
  own: readonly OwnedGroup[],
): Promise<{ registry?: OptionRegistry; problems: readonly PluginProblem[] }> {
  try {
    return { registry: await buildRegistry(host, wanted, own), problems: [] };
  } catch (error) {
    return { problems: loadProblems(error) };
  }
}

/** Validates the settings; the section of a rejected plugin is not "unknown", its problem is. */
function validateSettings(
  registry: OptionRegistry,
  side: Side,
  sources: CollectedSources,
  pluginProblems: readonly PluginProblem[],
): LoadResult {
  const rejected = new Set(
    pluginProblems.flatMap((p) => (p.plugin === undefined ? [] : [p.plugin])),
  );
  const settings = sources.settings.filter(
    (s) => !rejected.has(s.group) || registry.group(side, s.group) !== undefined,
  );
  return loadConfig(registry, side, { ...sources, settings });
}

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const found = options.plugins
    ? { ok: true as const, root: options.appRoot ?? options.cwd ?? process.cwd() }
    : findAppRoot(options.cwd ?? process.cwd(), options.appRoot);
  if (!found.ok) return { ok: false, problems: [found.problem], warnings: [], notices: [] };
  const appRoot = found.root;
  const sources = await collectSources(options);
  const opened = openPluginsOf(options, appRoot, sources.settings);
  const host = opened.host;
  const selection =
    options.side === 'server'
      ? await selectServerDatastores(host, sources.settings)
      : selectGuestDatastore(host, sources.settings);
  const storages =
    options.side === 'server'
      ? await selectBackupStorages(host, sources.settings)
      : await selectGuestStorage(host, sources.settings);
  const notices = [...opened.notices, ...selection.notices, ...storages.notices];
  const { registry, problems: registryProblems } = await registryOf(host, selection.wanted, [
    ...(options.groups ?? []),
    ...storages.groups,
  ]);
  const pluginProblems = [...selection.problems, ...storages.problems, ...registryProblems];
  const problems = pluginProblems.map((p) => `plugin ${formatPluginProblem(p)}`);
  const loaded = registry && validateSettings(registry, options.side, sources, pluginProblems);
  if (loaded && !loaded.ok) problems.push(...loaded.problems.map(formatProblem));
  const warnings = (loaded?.warnings ?? []).map(formatProblem);
  if (problems.length > 0 || !loaded?.ok || !registry)
    return { ok: false, problems, warnings, notices };
  const { config } = loaded;
  const enabled =
    options.side === 'server'
      ? selectEnabled(
          host,
          'datastore',
          config.group(serverDefaults).enabled_datastores,
          '[DEFAULT] enabled_datastores',
        ).plugins
      : selection.wanted;
  return {
    ok: true,
    appRoot,
    config,
    registry,
    host,
    enabled,
    pluginSource: opened.source,
    notices,
    warnings,
  };
}
