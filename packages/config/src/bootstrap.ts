// Start-up of any Cellar process: collect the configuration sources, open the installed plugins
// (lock file or discovery), register the core and datastore option groups, validate everything,
// and return either a ready configuration or every problem at once.

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
import { coreGroups, guestDefaults, serverDefaults, serverPlugins } from './core-options.js';
import {
  formatProblem,
  loadConfig,
  previewGroup,
  type ConfigProblem,
  type Configuration,
} from './load.js';
import { OptionRegistry } from './registry.js';
import { collectSources, type SourceSpec } from './sources.js';

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
  for (const group of coreGroups) registry.register(group, CORE_OWNER);
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

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const found = options.plugins
    ? { ok: true as const, root: options.appRoot ?? options.cwd ?? process.cwd() }
    : findAppRoot(options.cwd ?? process.cwd(), options.appRoot);
  if (!found.ok) return { ok: false, problems: [found.problem], warnings: [], notices: [] };
  const appRoot = found.root;
  const sources = await collectSources(options);
  const pluginSettings = previewGroup(serverPlugins, sources.settings);
  const opened: OpenedPlugins = options.plugins
    ? { host: options.plugins, source: 'discovery', notices: [] }
    : openPlugins({
        appRoot,
        lockFile: pluginSettings['lock_file'] as string,
        requireLock: pluginSettings['require_lock'] as boolean,
      });
  const host = opened.host;
  const notices = [...opened.notices];
  const pluginProblems: PluginProblem[] = [];

  let wanted: InstalledPlugin[];
  if (options.side === 'server') {
    const enabledNames = previewGroup(serverDefaults, sources.settings)[
      'enabled_datastores'
    ] as readonly string[];
    const selected = selectEnabled(host, 'datastore', enabledNames, '[DEFAULT] enabled_datastores');
    pluginProblems.push(...selected.problems);
    notices.push(...selected.notices);
    const everything = enabledNames.includes('*');
    for (const p of host.problems) {
      if (everything || p.plugin === undefined || enabledNames.includes(p.plugin))
        pluginProblems.push(p);
      else notices.push(`not enabled, and broken: ${formatPluginProblem(p)}`);
    }
    wanted = [...selected.plugins];
    // Sections of installed-but-disabled datastores are still recognised, so turning a datastore
    // off does not make its section an error; their options load only when they load cleanly.
    for (const p of host.ofKind('datastore')) {
      if (wanted.includes(p)) continue;
      try {
        await host.load({
          plugin: p,
          namespace: namespaces.datastoreOptions,
          name: p.manifest.name,
        });
        wanted.push(p);
      } catch (error) {
        notices.push(
          ...loadProblems(error).map(
            (x) => `not enabled, and its options do not load: ${formatPluginProblem(x)}`,
          ),
        );
      }
    }
  } else {
    const manager = previewGroup(guestDefaults, sources.settings)['datastore_manager'] as
      string | undefined;
    pluginProblems.push(...host.problems);
    const plugin = manager === undefined ? undefined : host.find('datastore', manager);
    if (manager !== undefined && plugin === undefined) {
      pluginProblems.push({
        plugin: manager,
        message: `datastore_manager names '${manager}', which is not installed in this guest; installed: ${
          host
            .ofKind('datastore')
            .map((p) => p.manifest.name)
            .join(', ') || 'none'
        }`,
      });
    }
    wanted = plugin ? [plugin] : [];
  }

  let registry: OptionRegistry | undefined;
  try {
    registry = await buildRegistry(host, wanted, options.groups ?? []);
  } catch (error) {
    pluginProblems.push(...loadProblems(error));
  }
  const problems = pluginProblems.map((p) => `plugin ${formatPluginProblem(p)}`);
  let configProblems: readonly ConfigProblem[] = [];
  let warnings: readonly ConfigProblem[] = [];
  let config: Configuration | undefined;
  if (registry) {
    // The section of a rejected plugin is not "unknown": its plugin's own problem is reported instead.
    const rejected = new Set(
      pluginProblems.flatMap((p) => (p.plugin === undefined ? [] : [p.plugin])),
    );
    const settings = sources.settings.filter(
      (s) => !rejected.has(s.group) || registry.group(options.side, s.group) !== undefined,
    );
    const loaded = loadConfig(registry, options.side, { ...sources, settings });
    warnings = loaded.warnings;
    if (loaded.ok) config = loaded.config;
    else configProblems = loaded.problems;
  }
  problems.push(...configProblems.map(formatProblem));
  const warningLines = warnings.map(formatProblem);
  if (problems.length > 0 || !config || !registry)
    return { ok: false, problems, warnings: warningLines, notices };
  const enabledSet =
    options.side === 'server'
      ? selectEnabled(
          host,
          'datastore',
          config.group(serverDefaults).enabled_datastores,
          '[DEFAULT] enabled_datastores',
        ).plugins
      : wanted;
  return {
    ok: true,
    appRoot,
    config,
    registry,
    host,
    enabled: enabledSet,
    pluginSource: opened.source,
    notices,
    warnings: warningLines,
  };
}
