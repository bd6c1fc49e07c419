// The source of a guest artifact's entry module: the agent, the one datastore's options and guest
// halves with its backup and restore strategies, and every installed backup storage, held in an
// in-memory plugin registry. What is needed only for a backup (a storage's driver and SDK, the
// strategies) is imported lazily, so it stays out of the agent's start.

import { join } from 'node:path';
import { namespaces } from '@cellar/plugin-api';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';

/** The namespaces of a datastore a guest carries; a server half never goes in. */
const datastoreNamespaces = [
  namespaces.datastoreOptions,
  namespaces.datastoreGuest,
  namespaces.backupStrategy,
  namespaces.restoreStrategy,
] as const;

/** Imported at start: what bootstrap reads before anything else. */
const eager = new Set<string>([
  namespaces.datastoreOptions,
  namespaces.datastoreGuest,
  namespaces.backupStorageOptions,
]);

interface Carried {
  readonly plugin: InstalledPlugin;
  readonly entryPoints: Record<string, Record<string, string>>;
}

/** The plugin's entry points in these namespaces, each named entry its own subpath. */
function carried(plugin: InstalledPlugin, keep: readonly string[]): Carried {
  const entryPoints: Record<string, Record<string, string>> = {};
  for (const namespace of keep) {
    for (const e of plugin.manifest.entryPoints.filter((x) => x.namespace === namespace))
      (entryPoints[namespace] ??= {})[e.name] = e.subpath;
  }
  return { plugin, entryPoints };
}

/** One plugin's registry item: its manifest kept to what it carries, its modules eager or lazy. */
function registryItem(c: Carried, raw: Record<string, unknown>, imports: string[]): string {
  const modules: string[] = [];
  const lazy: string[] = [];
  const seen = new Set<string>();
  for (const [namespace, named] of Object.entries(c.entryPoints)) {
    for (const [name, subpath] of Object.entries(named)) {
      if (seen.has(subpath)) continue;
      seen.add(subpath);
      const file = JSON.stringify(join(c.plugin.dir, c.plugin.entryFiles[namespace]?.[name] ?? ''));
      const key = JSON.stringify(subpath);
      if (eager.has(namespace)) {
        const id = `m${imports.length}`;
        imports.push(`import ${id} from ${file};`);
        modules.push(`${key}: ${id}`);
      } else lazy.push(`${key}: () => import(${file}).then((m) => m.default)`);
    }
  }
  const cellar = { ...raw, entryPoints: c.entryPoints };
  return `{ package: ${JSON.stringify(c.plugin.package)}, version: ${JSON.stringify(c.plugin.version)}, cellar: ${JSON.stringify(cellar)}, modules: { ${modules.join(', ')} }, lazy: { ${lazy.join(', ')} } }`;
}

/** The entry module's source; `main` is the agent's main module. */
export function guestEntrySource(
  host: PluginHost,
  datastore: InstalledPlugin,
  manifests: ReadonlyMap<InstalledPlugin, Record<string, unknown>>,
  main: string,
): string {
  const imports = [
    `import { createPluginRegistry } from '@cellar/plugins';`,
    `import { main } from ${JSON.stringify(main)};`,
  ];
  const items = [
    registryItem(carried(datastore, datastoreNamespaces), manifests.get(datastore) ?? {}, imports),
    ...host
      .ofKind('backup-storage')
      .map((p) =>
        registryItem(
          carried(p, [namespaces.backupStorageOptions, namespaces.backupStorage]),
          manifests.get(p) ?? {},
          imports,
        ),
      ),
  ];
  return [
    ...imports,
    `const plugins = createPluginRegistry({ plugins: [${items.join(', ')}] });`,
    `await main(process.argv.slice(2), plugins);`,
  ].join('\n');
}
