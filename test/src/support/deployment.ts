// Helpers for tests that work the way an operator does: pack packages with npm, install the
// tarballs into a throw-away deployment root, and run the repository's cellar-manage against it.

import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, type RunResult } from './repo.js';

export const cellarManageBin = join(repoRoot, 'packages', 'cli', 'bin', 'cellar-manage.js');

/** Throws with the whole output when a set-up step fails, so a broken fixture is easy to see. */
export function assertRan(what: string, result: RunResult): RunResult {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited with ${String(result.code)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** The environment without CELLAR_* variables, so the developer's own settings cannot leak in. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toUpperCase().startsWith('CELLAR_')),
  );
}

interface PackEntry {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
}

/**
 * Packs the package directories into `destination` with one `npm pack` and returns each
 * tarball's absolute path by package name.
 */
export async function npmPack(
  dirs: readonly string[],
  destination: string,
): Promise<Map<string, string>> {
  const result = assertRan(
    'npm pack',
    await run('npm', ['pack', '--json', '--pack-destination', destination, ...dirs], {
      cwd: destination,
    }),
  );
  const entries = JSON.parse(result.stdout) as PackEntry[];
  return new Map(entries.map((e) => [e.name, join(destination, e.filename)]));
}

export interface PackageJsonEdit {
  (pkg: Record<string, unknown> & { cellar: Record<string, unknown> }): void;
}

/** Copies a plugin package directory and edits the copy: its package.json, and optionally its files. */
export async function makeVariant(
  source: string,
  destination: string,
  edit: PackageJsonEdit,
  files: Readonly<Record<string, string>> = {},
): Promise<string> {
  await cp(source, destination, { recursive: true });
  const path = join(destination, 'package.json');
  const pkg = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown> & {
    cellar: Record<string, unknown>;
  };
  edit(pkg);
  await writeFile(path, `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [name, content] of Object.entries(files))
    await writeFile(join(destination, name), content);
  return destination;
}

/**
 * A new deployment root under `parent`: a package.json marked as the deployment whose
 * dependencies are the given tarballs, installed with npm as an operator would.
 */
export async function createDeployment(
  parent: string,
  label: string,
  tarballs: ReadonlyMap<string, string>,
): Promise<string> {
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, `${label}-`));
  const dependencies = Object.fromEntries(
    [...tarballs].map(([name, tgz]) => [name, `file:${tgz}`]),
  );
  const pkg = { name: 'deploy', private: true, cellar: { deployment: true }, dependencies };
  await writeFile(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  assertRan(
    `npm install in the ${label} deployment`,
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: root },
    ),
  );
  return root;
}

/** Runs the repository's cellar-manage for a deployment root, from a directory outside it. */
export function cellarManage(
  appRoot: string,
  args: readonly string[],
  cwd: string,
): Promise<RunResult> {
  return run(process.execPath, [cellarManageBin, ...args, '--app-root', appRoot], {
    cwd,
    env: cleanEnv(),
  });
}
