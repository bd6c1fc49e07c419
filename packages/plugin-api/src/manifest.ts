// The `cellar` field of a plugin's package.json: what the host reads, without importing any plugin
// code, to find, list, enable and check a plugin. validateManifest() names every problem it finds.

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isCapability, type Capability } from './capabilities.js';
import { namespaces } from './contract.js';
import { resolveExportTarget } from './package-exports.js';

export const pluginKinds = ['datastore', 'backup-storage', 'compute'] as const;
export type PluginKind = (typeof pluginKinds)[number];

const subpath = Type.String({ pattern: '^\\./' });

export const manifestSchema = Type.Object(
  {
    plugin: Type.Integer({ minimum: 1 }),
    kind: Type.String(),
    name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    capabilities: Type.Optional(Type.Array(Type.String())),
    entryPoints: Type.Record(
      Type.String({ pattern: '^cellar(\\.[a-z][a-z0-9-]*)+$' }),
      Type.Union([subpath, Type.Record(Type.String(), subpath)]),
    ),
  },
  { additionalProperties: false },
);

export type RawManifest = Static<typeof manifestSchema>;

/** One entry point: a name in a namespace, served by a subpath export of the plugin's package. */
export interface EntryPoint {
  readonly namespace: string;
  readonly name: string;
  readonly subpath: string;
}

export interface PluginManifest {
  /** The contract major the plugin was built for. */
  readonly plugin: number;
  readonly kind: PluginKind;
  readonly name: string;
  readonly capabilities: readonly Capability[];
  readonly entryPoints: readonly EntryPoint[];
}

export type ManifestResult =
  | { readonly ok: true; readonly manifest: PluginManifest }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Required entry points per kind. */
const requiredNamespaces: Readonly<Record<PluginKind, readonly string[]>> = {
  datastore: [namespaces.datastoreOptions],
  'backup-storage': [namespaces.backupStorageOptions, namespaces.backupStorage],
  compute: [],
};

/** The entry points a capability is implemented by, beside the manager. */
const strategyNamespaces = [
  ['backup', namespaces.backupStrategy],
  ['restore', namespaces.restoreStrategy],
] as const;

/**
 * Checks a `cellar` field. `exportsField` is the package's `exports`, so every entry point can be
 * checked to name a subpath the package really exports.
 */
export function validateManifest(field: unknown, exportsField: unknown): ManifestResult {
  if (!Value.Check(manifestSchema, field)) {
    // TypeBox reports a missing property twice (required, then its type): keep the first per path.
    const firstPerPath = new Map<string, string>();
    for (const e of Value.Errors(manifestSchema, field)) {
      if (!firstPerPath.has(e.path)) {
        firstPerPath.set(
          e.path,
          `cellar${e.path.replaceAll('/', '.')}: ${e.message}${e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`}`,
        );
      }
    }
    const problems = [...firstPerPath.values()];
    return { ok: false, problems: problems.length > 0 ? problems : ['cellar: must be an object'] };
  }
  const problems: string[] = [];
  if (!(pluginKinds as readonly string[]).includes(field.kind)) {
    problems.push(
      `cellar.kind: '${field.kind}' is not a plugin kind; expected one of ${pluginKinds.join(', ')}`,
    );
  }
  const capabilities = field.capabilities ?? [];
  for (const c of capabilities) {
    if (!isCapability(c))
      problems.push(`cellar.capabilities: '${c}' is not a capability Cellar knows`);
  }
  const exported = (sub: string): boolean => resolveExportTarget(exportsField, sub) !== undefined;
  const entryPoints: EntryPoint[] = [];
  for (const [namespace, target] of Object.entries(field.entryPoints)) {
    const named = typeof target === 'string' ? { [field.name]: target } : target;
    for (const [name, sub] of Object.entries(named)) {
      if (!exported(sub)) {
        problems.push(
          `cellar.entryPoints.${namespace}: '${sub}' is not in the package's "exports"`,
        );
      }
      entryPoints.push({ namespace, name, subpath: sub });
    }
  }
  if (!exported('./package.json')) {
    problems.push(`exports: './package.json' must be exported so hosts can read the manifest`);
  }
  for (const ns of requiredNamespaces[field.kind as PluginKind] ?? []) {
    if (!(ns in field.entryPoints))
      problems.push(`cellar.entryPoints: a ${field.kind} plugin must have '${ns}'`);
  }
  // The guest agent runs a datastore's backups and restores with its strategies: none, none to run.
  for (const [capability, ns] of strategyNamespaces) {
    if (capabilities.includes(capability) && !(ns in field.entryPoints))
      problems.push(
        `cellar.entryPoints: capability '${capability}' needs '${ns}' entry points (its strategies)`,
      );
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    manifest: {
      plugin: field.plugin,
      kind: field.kind as PluginKind,
      name: field.name,
      capabilities: capabilities as Capability[],
      entryPoints,
    },
  };
}
