// Finds plugins among the declared dependencies of the deployment root package, never by crawling
// node_modules: reads each dependency's package.json, validates its `cellar` field and contract.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse as parsePath, resolve } from 'node:path';
import semver from 'semver';
import {
  CONTRACT_MAJOR,
  resolveExportTarget,
  validateManifest,
  type PluginManifest,
} from '@cellar/plugin-api';
import type { PluginProblem } from './problems.js';

export interface InstalledPlugin {
  readonly package: string;
  readonly version: string;
  /** The package's real directory. */
  readonly dir: string;
  readonly manifest: PluginManifest;
  /** Entry files by namespace and entry name, relative to `dir`. */
  readonly entryFiles: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Discovery {
  readonly plugins: readonly InstalledPlugin[];
  readonly problems: readonly PluginProblem[];
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly cellar?: unknown;
}

export function readPackageJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

/** Read when discovery checks a plugin, not at import: a guest artifact carries no package.json files. */
let apiVersion: string | undefined;
const hostApiVersion = (): string =>
  (apiVersion ??= (
    createRequire(import.meta.url)('@cellar/plugin-api/package.json') as { version: string }
  ).version);

/** The directory Node would load a bare specifier's package from, as seen from `root`. */
function findPackageDir(root: string, name: string): string | undefined {
  let dir = root;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const isDeploymentRoot = (dir: string): boolean => {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  const cellar = readPackageJson(file).cellar as { deployment?: unknown } | undefined;
  return cellar?.deployment === true;
};

export type AppRoot =
  { readonly ok: true; readonly root: string } | { readonly ok: false; readonly problem: string };

/**
 * The deployment root: the explicit directory (--app-root / CELLAR_APP_ROOT), which must hold a
 * package.json marked `"cellar": {"deployment": true}`, else the nearest such directory above `from`.
 */
export function findAppRoot(from: string, explicit?: string): AppRoot {
  const marker = 'a package.json with "cellar": {"deployment": true}';
  if (explicit !== undefined) {
    const root = resolve(explicit);
    return isDeploymentRoot(root)
      ? { ok: true, root }
      : { ok: false, problem: `${root} is not a deployment root: it needs ${marker}` };
  }
  let dir = resolve(from);
  const top = parsePath(dir).root;
  for (;;) {
    if (isDeploymentRoot(dir)) return { ok: true, root: dir };
    if (dir === top) {
      return {
        ok: false,
        problem: `no deployment root found: run inside a directory (or below one) with ${marker}, or pass --app-root / set CELLAR_APP_ROOT`,
      };
    }
    dir = dirname(dir);
  }
}

/** Reads and checks one package; returns the plugin, undefined for a package that is not one, or problems. */
export function inspectPackage(
  dir: string,
  pkg: PackageJson,
  problems: PluginProblem[],
): InstalledPlugin | undefined {
  if (pkg.cellar === undefined) return undefined;
  const scope = { package: pkg.name ?? dir, version: pkg.version ?? '?' };
  const cellar = pkg.cellar as { deployment?: unknown; name?: unknown; plugin?: unknown };
  if (cellar.deployment === true) return undefined;
  const plugin = typeof cellar.name === 'string' ? cellar.name : undefined;
  // The contract comes first: another contract may have fields and kinds this one does not know.
  if (Number.isInteger(cellar.plugin) && cellar.plugin !== CONTRACT_MAJOR) {
    const contract = cellar.plugin as number;
    problems.push({
      ...scope,
      ...(plugin ? { plugin } : {}),
      message: `built for plugin contract ${contract}, but this Cellar (@cellar/plugin-api ${hostApiVersion()}) implements contract ${CONTRACT_MAJOR}: ${
        contract > CONTRACT_MAJOR
          ? 'upgrade Cellar'
          : `install a version of ${scope.package} built for contract ${CONTRACT_MAJOR}`
      }`,
    });
    return undefined;
  }
  const checked = validateManifest(pkg.cellar, pkg.exports);
  if (!checked.ok) {
    for (const message of checked.problems)
      problems.push({
        ...scope,
        ...(plugin ? { plugin } : {}),
        message: `invalid cellar field: ${message}`,
      });
    return undefined;
  }
  const manifest = checked.manifest;
  const range = pkg.peerDependencies?.['@cellar/plugin-api'];
  if (
    range !== undefined &&
    !semver.satisfies(hostApiVersion(), range, { includePrerelease: true })
  ) {
    problems.push({
      ...scope,
      plugin: manifest.name,
      message: `needs @cellar/plugin-api ${range}, but ${hostApiVersion()} is installed: install a version of ${scope.package} whose peer range includes ${hostApiVersion()}, or a Cellar that satisfies ${range}`,
    });
    return undefined;
  }
  const entryFiles: Record<string, Record<string, string>> = {};
  for (const entry of manifest.entryPoints) {
    const file = resolveExportTarget(pkg.exports, entry.subpath);
    if (file === undefined) {
      problems.push({
        ...scope,
        plugin: manifest.name,
        namespace: entry.namespace,
        message: `exports has no importable target for '${entry.subpath}'`,
      });
      return undefined;
    }
    (entryFiles[entry.namespace] ??= {})[entry.name] = file;
  }
  return { ...scope, dir, manifest, entryFiles };
}

/** Two plugins of one kind with one name is an error naming both (stevedore's "last one wins" is the trap). */
export function checkDuplicates(
  plugins: InstalledPlugin[],
  problems: PluginProblem[],
): InstalledPlugin[] {
  const seen = new Map<string, InstalledPlugin>();
  const duplicated = new Set<string>();
  for (const p of plugins) {
    const id = `${p.manifest.kind}:${p.manifest.name}`;
    const first = seen.get(id);
    if (first) {
      duplicated.add(id);
      problems.push({
        package: p.package,
        version: p.version,
        plugin: p.manifest.name,
        message: `${p.manifest.kind} '${p.manifest.name}' is provided by both ${first.package}@${first.version} and ${p.package}@${p.version}; remove one of them from the deployment's dependencies`,
      });
    } else {
      seen.set(id, p);
    }
  }
  return plugins.filter((p) => !duplicated.has(`${p.manifest.kind}:${p.manifest.name}`));
}

export function discoverPlugins(appRoot: string): Discovery {
  const problems: PluginProblem[] = [];
  const root = readPackageJson(join(appRoot, 'package.json'));
  const names = Object.keys({ ...root.dependencies, ...root.optionalDependencies }).sort();
  const found: InstalledPlugin[] = [];
  for (const name of names) {
    const dir = findPackageDir(appRoot, name);
    if (dir === undefined) {
      if (!root.optionalDependencies?.[name]) {
        problems.push({
          package: name,
          message:
            'is a declared dependency of the deployment but is not installed; run npm install',
        });
      }
      continue;
    }
    let pkg: PackageJson;
    try {
      pkg = readPackageJson(join(dir, 'package.json'));
    } catch (cause) {
      problems.push({ package: name, message: 'its package.json cannot be read', cause });
      continue;
    }
    const plugin = inspectPackage(realpathSync(dir), pkg, problems);
    if (plugin) found.push(plugin);
  }
  return { plugins: checkDuplicates(found, problems), problems };
}
