// `cellar-manage plugins list|lock`: every installed plugin with its version, kind, capabilities,
// whether it is enabled and what is wrong with it; and the lock file start-up reads instead of resolving.

import type { Command } from 'commander';
import {
  chosenStorage,
  collectSources,
  previewGroup,
  serverDefaults,
  serverPlugins,
  type RawSetting,
} from '@cellar/config';
import { namespaces, type DatastoreServer } from '@cellar/plugin-api';
import {
  discoverPlugins,
  EntryLoadFailure,
  findAppRoot,
  formatPluginProblem,
  lockPath,
  openPlugins,
  readLock,
  selectEnabled,
  writeLock,
  type InstalledPlugin,
  type OpenedPlugins,
  type PluginHost,
  type PluginProblem,
} from '@cellar/plugins';
import { describeUnavailable, unavailability } from '@cellar/server';
import { print, withConfigFlags, type ConfigFlags } from '../common.js';

type ListFlags = ConfigFlags & { deep?: boolean; json?: boolean };
type LockFlags = ConfigFlags & { check?: boolean };

function appRootOf(flags: ConfigFlags): string | undefined {
  const found = findAppRoot(process.cwd(), flags.appRoot ?? process.env['CELLAR_APP_ROOT']);
  if (found.ok) return found.root;
  print([`cellar-manage: ${found.problem}`], process.stderr);
  process.exitCode = 1;
  return undefined;
}

/** The raw settings of the files, directories, `--set` flags and environment the flags name. */
async function settingsOf(flags: ConfigFlags): Promise<readonly RawSetting[]> {
  const sources = await collectSources({
    configFiles: flags.configFile,
    configDirs: flags.configDir,
    overrides: flags.set,
    env: process.env,
  });
  return sources.settings;
}

interface Row {
  readonly name: string;
  readonly kind: string;
  readonly package: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly enabled: boolean;
  /** A backup storage: whether `[DEFAULT] backup_storage` names it (the others stay usable). */
  readonly default?: boolean;
  readonly errors: readonly string[];
  /** With --deep: why this host cannot run the datastore (its server half found no version). */
  readonly unavailable?: string;
}

const optionNamespaces: readonly string[] = [
  namespaces.datastoreOptions,
  namespaces.backupStorageOptions,
];

/** Loads a plugin's entry points (only its options unless deep) and says why each that fails. */
async function loadErrors(
  host: PluginHost,
  plugin: InstalledPlugin,
  deep: boolean,
): Promise<string[]> {
  const errors: string[] = [];
  const refs = plugin.manifest.entryPoints.filter(
    (e) => deep || optionNamespaces.includes(e.namespace),
  );
  for (const e of refs) {
    try {
      await host.load({ plugin, namespace: e.namespace, name: e.name });
    } catch (error) {
      const problem: PluginProblem =
        error instanceof EntryLoadFailure
          ? error.problem
          : { namespace: e.namespace, message: 'loading failed', cause: error };
      errors.push(formatPluginProblem(problem, false));
    }
  }
  return errors;
}

/** Why this host cannot run a datastore, from its server half; undefined when it can. */
async function unavailableOf(
  host: PluginHost,
  plugin: InstalledPlugin,
): Promise<string | undefined> {
  const e = plugin.manifest.entryPoints.find((x) => x.namespace === namespaces.datastoreServer);
  if (!e) return undefined;
  // A server half that fails to load is listed under its errors already.
  const server = await host
    .load({ plugin, namespace: e.namespace, name: e.name })
    .catch(() => undefined);
  if (!server) return undefined;
  const u = await unavailability(plugin.manifest.name, server as DatastoreServer);
  return u && describeUnavailable(u);
}

async function pluginRows(
  host: PluginHost,
  enabled: readonly InstalledPlugin[],
  storage: string,
  deep: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const plugin of host.plugins) {
    const isStorage = plugin.manifest.kind === 'backup-storage';
    rows.push({
      name: plugin.manifest.name,
      kind: plugin.manifest.kind,
      package: plugin.package,
      version: plugin.version,
      capabilities: plugin.manifest.capabilities,
      enabled: plugin.manifest.kind !== 'datastore' || enabled.includes(plugin),
      ...(isStorage ? { default: plugin.manifest.name === storage } : {}),
      errors: await loadErrors(host, plugin, deep),
      ...(deep ? { unavailable: await unavailableOf(host, plugin) } : {}),
    });
  }
  return rows;
}

/** Enabled or not; the backup storage new backups go to is the `default` one. */
const stateOf = (r: Row): string =>
  r.default === true ? 'default ' : r.enabled ? 'enabled ' : 'disabled';

/** The human-readable listing: one block per plugin, then the problems and notices. */
function formatListing(
  appRoot: string,
  opened: OpenedPlugins,
  rows: readonly Row[],
  problems: readonly string[],
): string[] {
  const lines = [
    `Plugins of ${appRoot} (from ${opened.source === 'lock' ? 'the lock file' : 'its dependencies'}):`,
  ];
  if (rows.length === 0) lines.push('  none installed');
  const width = Math.max(36, ...rows.map((r) => r.package.length + r.version.length + 2));
  const kindWidth = Math.max(10, ...rows.map((r) => r.kind.length));
  for (const r of rows) {
    lines.push(
      `  ${r.name.padEnd(12)} ${r.kind.padEnd(kindWidth)} ${`${r.package}@${r.version}`.padEnd(width)} ${stateOf(r)}  ${r.errors.length > 0 ? 'ERROR' : 'ok'}`,
      `  ${' '.repeat(12)} capabilities: ${r.capabilities.join(', ') || '(none)'}`,
      ...(r.unavailable ? [`  ${' '.repeat(12)} unavailable: ${r.unavailable}`] : []),
      ...r.errors.map(
        (e) => `  ${' '.repeat(12)} error: ${e.replaceAll('\n', `\n  ${' '.repeat(12)} `)}`,
      ),
    );
  }
  if (problems.length > 0)
    lines.push('', 'Problems:', ...problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`));
  if (opened.notices.length > 0) lines.push('', ...opened.notices.map((n) => `note: ${n}`));
  return lines;
}

async function listPlugins(flags: ListFlags): Promise<void> {
  const appRoot = appRootOf(flags);
  if (appRoot === undefined) return;
  const settings = await settingsOf(flags);
  const pluginSettings = previewGroup(serverPlugins, settings);
  const opened = openPlugins({ appRoot, lockFile: pluginSettings['lock_file'] as string });
  const host = opened.host;
  const enabledNames = previewGroup(serverDefaults, settings)[
    'enabled_datastores'
  ] as readonly string[];
  const selected = selectEnabled(host, 'datastore', enabledNames, '[DEFAULT] enabled_datastores');
  const storage = chosenStorage(host, settings);
  const rows = await pluginRows(host, selected.plugins, storage.name, flags.deep === true);
  const problems = [
    ...host.problems,
    ...selected.problems,
    ...(storage.problem ? [storage.problem] : []),
  ].map((p) => formatPluginProblem(p));
  const failing = problems.length > 0 || rows.some((r) => r.errors.length > 0);
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ source: opened.source, plugins: rows, problems, notices: opened.notices }, null, 2)}\n`,
    );
  } else {
    print(formatListing(appRoot, opened, rows, problems));
  }
  if (failing) process.exitCode = 1;
}

async function lockPlugins(flags: LockFlags): Promise<void> {
  const appRoot = appRootOf(flags);
  if (appRoot === undefined) return;
  const lockFile = previewGroup(serverPlugins, await settingsOf(flags))['lock_file'] as string;
  if (flags.check) {
    const state = readLock(appRoot, lockFile);
    print([
      `${lockPath(appRoot, lockFile)}: ${state.state}${'reason' in state ? ` (${state.reason})` : ''}`,
    ]);
    if (state.state !== 'fresh') process.exitCode = 1;
    return;
  }
  const found = discoverPlugins(appRoot);
  if (found.problems.length > 0) {
    print(
      [
        'cellar-manage: not writing a lock file; fix these first:',
        ...found.problems.map((p) => `  - ${formatPluginProblem(p)}`),
      ],
      process.stderr,
    );
    process.exitCode = 1;
    return;
  }
  const path = writeLock(appRoot, lockFile, found.plugins);
  print([
    `Wrote ${path}: ${found.plugins.length} plugin(s): ${found.plugins.map((p) => `${p.manifest.name} (${p.package}@${p.version})`).join(', ')}`,
  ]);
}

export function pluginsCommand(program: Command): void {
  const plugins = program.command('plugins').description('list and lock the installed plugins');

  withConfigFlags(plugins.command('list'))
    .description(
      'list every installed plugin: version, kind, capabilities, enabled or not, and any error',
    )
    .option(
      '--deep',
      'import every entry point (server and guest halves too), not only the options',
    )
    .option('--json', 'print JSON')
    .action(listPlugins);

  withConfigFlags(plugins.command('lock'))
    .description('write the plugin lock file that start-up reads instead of resolving dependencies')
    .option(
      '--check',
      'only say whether the lock file matches the installed packages; exit 1 when it does not',
    )
    .action(lockPlugins);
}
