// `cellar-manage plugins list|lock`: every installed plugin with its version, kind, capabilities,
// whether it is enabled and what is wrong with it; and the lock file start-up reads instead of resolving.

import type { Command } from 'commander';
import { collectSources, previewGroup, serverDefaults, serverPlugins } from '@cellar/config';
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
  type PluginProblem,
} from '@cellar/plugins';
import { describeUnavailable, unavailability } from '@cellar/server';
import { print, withConfigFlags, type ConfigFlags } from '../common.js';

function appRootOf(flags: ConfigFlags): string | undefined {
  const found = findAppRoot(process.cwd(), flags.appRoot ?? process.env['CELLAR_APP_ROOT']);
  if (found.ok) return found.root;
  print([`cellar-manage: ${found.problem}`], process.stderr);
  process.exitCode = 1;
  return undefined;
}

interface Row {
  readonly name: string;
  readonly kind: string;
  readonly package: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly enabled: boolean;
  readonly errors: readonly string[];
  /** With --deep: why this host cannot run the datastore (its server half found no version). */
  readonly unavailable?: string;
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
    .action(async (flags: ConfigFlags & { deep?: boolean; json?: boolean }) => {
      const appRoot = appRootOf(flags);
      if (appRoot === undefined) return;
      const sources = await collectSources({
        configFiles: flags.configFile,
        configDirs: flags.configDir,
        overrides: flags.set,
        env: process.env,
      });
      const pluginSettings = previewGroup(serverPlugins, sources.settings);
      const opened = openPlugins({ appRoot, lockFile: pluginSettings['lock_file'] as string });
      const host = opened.host;
      const enabledNames = previewGroup(serverDefaults, sources.settings)[
        'enabled_datastores'
      ] as readonly string[];
      const selected = selectEnabled(
        host,
        'datastore',
        enabledNames,
        '[DEFAULT] enabled_datastores',
      );
      const rows: Row[] = [];
      for (const plugin of host.plugins) {
        const errors: string[] = [];
        let unavailable: string | undefined;
        const refs = plugin.manifest.entryPoints.filter(
          (e) => flags.deep === true || e.namespace === namespaces.datastoreOptions,
        );
        for (const e of refs) {
          try {
            const entry = await host.load({ plugin, namespace: e.namespace, name: e.name });
            if (e.namespace !== namespaces.datastoreServer) continue;
            const u = await unavailability(plugin.manifest.name, entry as DatastoreServer);
            unavailable = u && describeUnavailable(u);
          } catch (error) {
            const problem: PluginProblem =
              error instanceof EntryLoadFailure
                ? error.problem
                : { namespace: e.namespace, message: 'loading failed', cause: error };
            errors.push(formatPluginProblem(problem, false));
          }
        }
        rows.push({
          name: plugin.manifest.name,
          kind: plugin.manifest.kind,
          package: plugin.package,
          version: plugin.version,
          capabilities: plugin.manifest.capabilities,
          enabled: plugin.manifest.kind !== 'datastore' || selected.plugins.includes(plugin),
          errors,
          ...(unavailable === undefined ? {} : { unavailable }),
        });
      }
      const problems = [...host.problems, ...selected.problems].map((p) => formatPluginProblem(p));
      const failing = problems.length > 0 || rows.some((r) => r.errors.length > 0);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ source: opened.source, plugins: rows, problems, notices: opened.notices }, null, 2)}\n`,
        );
      } else {
        const lines = [
          `Plugins of ${appRoot} (from ${opened.source === 'lock' ? 'the lock file' : 'its dependencies'}):`,
        ];
        if (rows.length === 0) lines.push('  none installed');
        const width = Math.max(36, ...rows.map((r) => r.package.length + r.version.length + 2));
        for (const r of rows) {
          lines.push(
            `  ${r.name.padEnd(12)} ${r.kind.padEnd(10)} ${`${r.package}@${r.version}`.padEnd(width)} ${r.enabled ? 'enabled ' : 'disabled'}  ${r.errors.length > 0 ? 'ERROR' : 'ok'}`,
            `  ${' '.repeat(12)} capabilities: ${r.capabilities.join(', ') || '(none)'}`,
            ...(r.unavailable ? [`  ${' '.repeat(12)} unavailable: ${r.unavailable}`] : []),
            ...r.errors.map(
              (e) => `  ${' '.repeat(12)} error: ${e.replaceAll('\n', `\n  ${' '.repeat(12)} `)}`,
            ),
          );
        }
        if (problems.length > 0)
          lines.push(
            '',
            'Problems:',
            ...problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`),
          );
        if (opened.notices.length > 0) lines.push('', ...opened.notices.map((n) => `note: ${n}`));
        print(lines);
      }
      if (failing) process.exitCode = 1;
    });

  withConfigFlags(plugins.command('lock'))
    .description('write the plugin lock file that start-up reads instead of resolving dependencies')
    .option(
      '--check',
      'only say whether the lock file matches the installed packages; exit 1 when it does not',
    )
    .action(async (flags: ConfigFlags & { check?: boolean }) => {
      const appRoot = appRootOf(flags);
      if (appRoot === undefined) return;
      const sources = await collectSources({
        configFiles: flags.configFile,
        configDirs: flags.configDir,
        overrides: flags.set,
        env: process.env,
      });
      const lockFile = previewGroup(serverPlugins, sources.settings)['lock_file'] as string;
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
    });
}
