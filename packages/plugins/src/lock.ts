// The plugin lock file: what discovery found, keyed by a hash over the root package.json, the
// package manager's lockfile and each plugin's package.json. While the key matches, start-up reads
// it instead of resolving every dependency; a changed install makes it stale, and that is detected.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CONTRACT_MAJOR, validateManifest } from '@cellar/plugin-api';
import type { InstalledPlugin } from './discover.js';

const LOCK_VERSION = 1;
const packageLockfiles = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];

const lockSchema = Type.Object({
  lockVersion: Type.Literal(LOCK_VERSION),
  contract: Type.Integer(),
  key: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  plugins: Type.Array(
    Type.Object({
      package: Type.String(),
      version: Type.String(),
      dir: Type.String(),
      cellar: Type.Unknown(),
      exports: Type.Unknown(),
      entryFiles: Type.Record(Type.String(), Type.Record(Type.String(), Type.String())),
    }),
  ),
});

type LockFile = Static<typeof lockSchema>;

export type LockState =
  | { readonly state: 'fresh'; readonly plugins: readonly InstalledPlugin[] }
  | { readonly state: 'missing' }
  | { readonly state: 'stale'; readonly reason: string }
  | { readonly state: 'invalid'; readonly reason: string };

/** The hash over the files that decide which plugins are installed, in a fixed order. */
export function lockKey(appRoot: string, pluginDirs: readonly string[]): string {
  const hash = createHash('sha256');
  const add = (label: string, content: string | Buffer): void => {
    hash.update(`${label}\u0000${content.length}\u0000`);
    hash.update(content);
  };
  add('package.json', readFileSync(join(appRoot, 'package.json')));
  for (const name of packageLockfiles) {
    const file = join(appRoot, name);
    if (existsSync(file)) add(name, readFileSync(file));
  }
  for (const dir of [...pluginDirs].sort()) add(relative(appRoot, dir), readFileSync(join(dir, 'package.json')));
  return hash.digest('hex');
}

export function lockPath(appRoot: string, lockFile: string): string {
  return isAbsolute(lockFile) ? lockFile : resolve(appRoot, lockFile);
}

export function writeLock(appRoot: string, lockFile: string, plugins: readonly InstalledPlugin[]): string {
  const content: LockFile = {
    lockVersion: LOCK_VERSION,
    contract: CONTRACT_MAJOR,
    key: lockKey(appRoot, plugins.map((p) => p.dir)),
    plugins: plugins.map((p) => {
      const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) as { cellar?: unknown; exports?: unknown };
      return { package: p.package, version: p.version, dir: relative(appRoot, p.dir) || '.', cellar: pkg.cellar, exports: pkg.exports, entryFiles: p.entryFiles };
    }),
  };
  const path = lockPath(appRoot, lockFile);
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
  return path;
}

export function readLock(appRoot: string, lockFile: string): LockState {
  const path = lockPath(appRoot, lockFile);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', reason: `${path} cannot be read: ${(error as Error).message}` };
  }
  if (!Value.Check(lockSchema, parsed)) {
    return { state: 'invalid', reason: `${path} is not a plugin lock file of version ${LOCK_VERSION}` };
  }
  if (parsed.contract !== CONTRACT_MAJOR) {
    return { state: 'stale', reason: `it was written for plugin contract ${parsed.contract}; this Cellar implements ${CONTRACT_MAJOR}` };
  }
  const dirs = parsed.plugins.map((p) => resolve(appRoot, p.dir));
  let key: string;
  try {
    key = lockKey(appRoot, dirs);
  } catch (error) {
    return { state: 'stale', reason: `a locked plugin is gone: ${(error as Error).message}` };
  }
  if (key !== parsed.key) return { state: 'stale', reason: 'the installed packages changed since it was written' };
  const plugins: InstalledPlugin[] = [];
  for (const [i, p] of parsed.plugins.entries()) {
    const checked = validateManifest(p.cellar, p.exports);
    if (!checked.ok) return { state: 'invalid', reason: `${p.package}: ${checked.problems.join('; ')}` };
    plugins.push({ package: p.package, version: p.version, dir: dirs[i] ?? appRoot, manifest: checked.manifest, entryFiles: p.entryFiles });
  }
  return { state: 'fresh', plugins };
}
