// stevedore's four ways of loading plugins, over a PluginHost. Each loads what it needs and nothing
// else, and reports every failure of the lot together in one PluginLoadFailed.

import type { PluginKind } from '@cellar/plugin-api';
import type { InstalledPlugin } from './discover.js';
import { EntryLoadFailure, type EntryRef, type PluginHost } from './host.js';
import { pluginLoadFailed, type PluginProblem } from './problems.js';

export interface Extension<T = unknown> {
  readonly name: string;
  readonly namespace: string;
  readonly plugin: InstalledPlugin;
  readonly obj: T;
}

async function loadAll<T>(
  host: PluginHost,
  refs: readonly EntryRef[],
  problems: PluginProblem[] = [],
): Promise<Extension<T>[]> {
  const settled = await Promise.allSettled(refs.map((ref) => host.load(ref)));
  const loaded: Extension<T>[] = [];
  settled.forEach((result, i) => {
    const ref = refs[i] as EntryRef;
    if (result.status === 'fulfilled') {
      loaded.push({
        name: ref.name,
        namespace: ref.namespace,
        plugin: ref.plugin,
        obj: result.value as T,
      });
    } else {
      const reason: unknown = result.reason;
      problems.push(
        reason instanceof EntryLoadFailure
          ? reason.problem
          : {
              package: ref.plugin.package,
              version: ref.plugin.version,
              namespace: ref.namespace,
              message: 'loading failed',
              cause: reason,
            },
      );
    }
  });
  if (problems.length > 0) throw pluginLoadFailed(problems);
  return loaded;
}

const available = (refs: readonly EntryRef[]): string =>
  refs.length === 0 ? 'none' : [...new Set(refs.map((r) => r.name))].sort().join(', ');

/** Exactly one entry with this name in the namespace: none or several is an error. */
export async function driverManager<T>(
  host: PluginHost,
  namespace: string,
  name: string,
): Promise<Extension<T>> {
  const all = host.entries(namespace);
  const matches = all.filter((r) => r.name === name);
  if (matches.length === 0) {
    throw pluginLoadFailed([
      { namespace, message: `no plugin provides '${name}'; available: ${available(all)}` },
    ]);
  }
  if (matches.length > 1) {
    throw pluginLoadFailed([
      {
        namespace,
        message: `'${name}' is provided by several plugins: ${matches.map((m) => `${m.plugin.package}@${m.plugin.version}`).join(', ')}`,
      },
    ]);
  }
  const [loaded] = await loadAll<T>(host, matches);
  return loaded as Extension<T>;
}

/** The named entries, in the order given; names are checked before anything is imported. */
export async function namedExtensionManager<T>(
  host: PluginHost,
  namespace: string,
  names: readonly string[],
): Promise<Extension<T>[]> {
  const all = host.entries(namespace);
  const problems: PluginProblem[] = [];
  const refs: EntryRef[] = [];
  for (const name of names) {
    const ref = all.find((r) => r.name === name);
    if (ref) refs.push(ref);
    else
      problems.push({
        namespace,
        plugin: name,
        message: `'${name}' is not installed; available: ${available(all)}`,
      });
  }
  return loadAll<T>(host, refs, problems);
}

/** Every entry in the namespace. */
export async function extensionManager<T>(
  host: PluginHost,
  namespace: string,
): Promise<Extension<T>[]> {
  return loadAll<T>(host, host.entries(namespace));
}

/** Every entry in the namespace that carries this name; none is normal. */
export async function hookManager<T>(
  host: PluginHost,
  namespace: string,
  name: string,
): Promise<Extension<T>[]> {
  return loadAll<T>(
    host,
    host.entries(namespace).filter((r) => r.name === name),
  );
}

export interface Enabled {
  readonly plugins: readonly InstalledPlugin[];
  readonly problems: readonly PluginProblem[];
  /** Installed but not enabled: an info line each. */
  readonly notices: readonly string[];
}

/** Applies an enable list (`*` = all installed) to the plugins of one kind. */
export function selectEnabled(
  host: PluginHost,
  kind: PluginKind,
  enabled: readonly string[],
  setting: string,
): Enabled {
  const installed = host.ofKind(kind);
  const all = enabled.includes('*');
  const problems: PluginProblem[] = [];
  for (const name of enabled) {
    if (name === '*' || installed.some((p) => p.manifest.name === name)) continue;
    // Installed but rejected (duplicate, bad manifest, other contract): that problem is already reported.
    if (host.problems.some((p) => p.plugin === name)) continue;
    problems.push({
      plugin: name,
      message: `${kind} '${name}' is enabled in ${setting} but not installed; installed: ${installed.map((p) => `${p.manifest.name} (${p.package}@${p.version})`).join(', ') || 'none'}`,
    });
  }
  const plugins = installed.filter((p) => all || enabled.includes(p.manifest.name));
  const notices = installed
    .filter((p) => !plugins.includes(p))
    .map(
      (p) =>
        `${kind} '${p.manifest.name}' (${p.package}@${p.version}) is installed but not enabled in ${setting}`,
    );
  return { plugins, problems, notices };
}
