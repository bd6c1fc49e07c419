// The plugin bench's synthetic deployment root: a package.json declaring many dependencies, some
// of them datastore plugins, each a real directory, and a realistically big package-lock.json.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DeploymentShape {
  /** Declared dependencies, plugins included. */
  readonly dependencies: number;
  readonly plugins: number;
  /** Hoisted transitive packages listed in package-lock.json (not on disk: neither path reads them). */
  readonly transitive: number;
}

/** Deterministic pseudo-random bytes, so every run builds the same tree. */
function digest(algorithm: 'sha1' | 'sha512', seed: string): string {
  return createHash(algorithm)
    .update(seed)
    .digest(algorithm === 'sha1' ? 'hex' : 'base64');
}

export interface Dep {
  readonly name: string;
  readonly version: string;
  readonly plugin?: string;
}

function dependencyList(shape: DeploymentShape): Dep[] {
  const deps: Dep[] = [];
  const scopes = ['@acme', '@types', '@aws-sdk', '@opentelemetry', '@smithy'];
  for (let i = 0; i < shape.dependencies; i++) {
    const version = `${1 + (i % 7)}.${(i * 3) % 20}.${i % 11}`;
    const isPlugin = i % (shape.dependencies / shape.plugins) === 3;
    const n = String(i).padStart(3, '0');
    let name: string;
    if (isPlugin)
      name = i % 4 === 3 ? `@acme/cellar-datastore-bench${n}` : `cellar-datastore-bench${n}`;
    else if (i % 5 === 0) name = `${scopes[(i / 5) % scopes.length] ?? '@acme'}/lib-${n}`;
    else name = `bench-lib-${n}`;
    deps.push(isPlugin ? { name, version, plugin: `bench_store_${n}` } : { name, version });
  }
  return deps;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function packageJsonOf(dep: Dep, index: number, transitive: number): Record<string, unknown> {
  const common = {
    name: dep.name,
    version: dep.version,
    description: `Synthetic package ${index} for the Cellar plugin start-up benchmark`,
    license: 'MIT',
    author: 'Bench <bench@example.invalid>',
    repository: {
      type: 'git',
      url: `git+https://example.invalid/${dep.name.replace('@', '')}.git`,
    },
    homepage: `https://example.invalid/${dep.name.replace('@', '')}#readme`,
    keywords: ['bench', 'synthetic', `group-${index % 9}`],
    engines: { node: '>=18' },
    files: ['dist', 'lib', 'index.js'],
    scripts: { build: 'tsc -b', test: 'node --test', prepublishOnly: 'npm run build' },
  };
  if (dep.plugin !== undefined) {
    return {
      ...common,
      type: 'module',
      exports: { './options': './options.js', './package.json': './package.json' },
      peerDependencies: { '@cellar/plugin-api': '^0.1.0' },
      cellar: {
        plugin: 1,
        kind: 'datastore',
        name: dep.plugin,
        entryPoints: { 'cellar.datastore.options': './options' },
      },
    };
  }
  return {
    ...common,
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', import: './index.mjs', require: './index.js' },
      './package.json': './package.json',
    },
    dependencies: {
      [`transitive-${String(index % transitive).padStart(3, '0')}`]: '^1.0.0',
      [`transitive-${String((index * 7) % transitive).padStart(3, '0')}`]: '^2.1.0',
    },
    devDependencies: { typescript: '^5.4.0', '@types/node': '^20.0.0' },
  };
}

function lockEntry(
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = name.split('/').pop() ?? name;
  return {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
    integrity: `sha512-${digest('sha512', `${name}@${version}`)}`,
    license: 'MIT',
    ...extra,
  };
}

function packageLockOf(deps: readonly Dep[], transitive: number): Record<string, unknown> {
  const dependencies = Object.fromEntries(deps.map((d) => [d.name, `^${d.version}`]));
  const packages: Record<string, unknown> = {
    '': { name: 'bench-deployment', version: '1.0.0', dependencies },
  };
  deps.forEach((d, i) => {
    packages[`node_modules/${d.name}`] = lockEntry(d.name, d.version, {
      ...(d.plugin === undefined
        ? {
            dependencies: {
              [`transitive-${String(i % transitive).padStart(3, '0')}`]: '^1.0.0',
              [`transitive-${String((i * 7) % transitive).padStart(3, '0')}`]: '^2.1.0',
            },
          }
        : { peerDependencies: { '@cellar/plugin-api': '^0.1.0' } }),
      engines: { node: '>=18' },
      funding: { type: 'github', url: `https://github.com/sponsors/bench-${i % 13}` },
    });
  });
  for (let t = 0; t < transitive; t++) {
    const name = `transitive-${String(t).padStart(3, '0')}`;
    packages[`node_modules/${name}`] = lockEntry(name, `${1 + (t % 3)}.${t % 17}.${t % 5}`, {
      dev: t % 4 === 0 ? true : undefined,
      dependencies:
        t % 3 === 0
          ? { [`transitive-${String((t + 1) % transitive).padStart(3, '0')}`]: '^1.0.0' }
          : undefined,
      engines: { node: '>=14' },
    });
  }
  return {
    name: 'bench-deployment',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages,
  };
}

export interface Fixture {
  readonly appRoot: string;
  readonly deps: readonly Dep[];
  readonly packageLockBytes: number;
  readonly lockBytes: number;
}

/** Builds the deployment root in a new temp directory (the caller removes it). */
export function buildFixture(shape: DeploymentShape): Fixture {
  const appRoot = realpathSync(mkdtempSync(join(tmpdir(), 'cellar-bench-plugins-')));
  const deps = dependencyList(shape);
  writeJson(join(appRoot, 'package.json'), {
    name: 'bench-deployment',
    version: '1.0.0',
    private: true,
    type: 'module',
    cellar: { deployment: true },
    dependencies: Object.fromEntries(deps.map((d) => [d.name, `^${d.version}`])),
  });
  deps.forEach((dep, i) => {
    const dir = join(appRoot, 'node_modules', dep.name);
    mkdirSync(dir, { recursive: true });
    writeJson(join(dir, 'package.json'), packageJsonOf(dep, i, shape.transitive));
    if (dep.plugin !== undefined) {
      writeFileSync(
        join(dir, 'options.js'),
        `// never imported by this benchmark\nexport default { name: '${dep.plugin}' };\n`,
      );
    } else {
      writeFileSync(join(dir, 'index.js'), `module.exports = ${i};\n`);
    }
  });
  writeJson(join(appRoot, 'package-lock.json'), packageLockOf(deps, shape.transitive));
  return {
    appRoot,
    deps,
    packageLockBytes: readFileSync(join(appRoot, 'package-lock.json')).length,
    lockBytes: 0,
  };
}
