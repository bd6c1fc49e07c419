// The plugin lock file: what discovery found, keyed by a hash over the root package.json, the
// package manager's lockfile and each plugin's package.json. While the key matches, start-up reads
// it instead of resolving every dependency; a changed install makes it stale, and that is detected.
// Like git's index, the lock also records each keyed file's size, mtime and inode: when none of them
// changed the content hash is skipped; any difference (a copied image layer, an edit) re-hashes.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CONTRACT_MAJOR, validateManifest } from '@cellar/plugin-api';
import type { InstalledPlugin } from './discover.js';

const LOCK_VERSION = 1;
const packageLockfiles = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
];

const lockSchema = Type.Object({
  lockVersion: Type.Literal(LOCK_VERSION),
  contract: Type.Integer(),
  key: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  stamps: Type.Array(
    Type.Object({
      file: Type.String(),
      size: Type.String(),
      mtimeNs: Type.String(),
      ino: Type.String(),
    }),
  ),
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
type Stamp = LockFile['stamps'][number];

const lockCheck = TypeCompiler.Compile(lockSchema);

export type LockState =
  | { readonly state: 'fresh'; readonly plugins: readonly InstalledPlugin[] }
  | { readonly state: 'missing' }
  | { readonly state: 'stale'; readonly reason: string }
  | { readonly state: 'invalid'; readonly reason: string };

/** The files that decide which plugins are installed, labelled, in a fixed order. */
function keyedFiles(
  appRoot: string,
  pluginDirs: readonly string[],
): [label: string, path: string][] {
  return [
    ['package.json', join(appRoot, 'package.json')],
    ...packageLockfiles
      .map((name): [string, string] => [name, join(appRoot, name)])
      .filter(([, path]) => existsSync(path)),
    ...[...pluginDirs]
      .sort()
      .map((dir): [string, string] => [relative(appRoot, dir), join(dir, 'package.json')]),
  ];
}

/** The hash over the contents of the keyed files. */
export function lockKey(appRoot: string, pluginDirs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const [label, path] of keyedFiles(appRoot, pluginDirs)) {
    const content = readFileSync(path);
    hash.update(`${label}\u0000${content.length}\u0000`);
    hash.update(content);
  }
  return hash.digest('hex');
}

function stampOf(appRoot: string, path: string): Stamp {
  const s = statSync(path, { bigint: true });
  return {
    file: relative(appRoot, path),
    size: String(s.size),
    mtimeNs: String(s.mtimeNs),
    ino: String(s.ino),
  };
}

/**
 * True when every keyed file is exactly as when the lock was written. A file whose mtime is not
 * older than the lock itself could have changed within one timestamp tick, so it does not count
 * as unchanged (git's "racily clean" rule).
 */
function unchangedSince(
  appRoot: string,
  stamps: readonly Stamp[],
  pluginDirs: readonly string[],
  lockMtimeNs: bigint,
): boolean {
  const files = keyedFiles(appRoot, pluginDirs);
  if (files.length !== stamps.length) return false;
  return files.every(([, path], i) => {
    const recorded = stamps[i];
    const now = existsSync(path) ? stampOf(appRoot, path) : undefined;
    return (
      now !== undefined &&
      recorded !== undefined &&
      now.file === recorded.file &&
      now.size === recorded.size &&
      now.mtimeNs === recorded.mtimeNs &&
      now.ino === recorded.ino &&
      BigInt(now.mtimeNs) < lockMtimeNs
    );
  });
}

export function lockPath(appRoot: string, lockFile: string): string {
  return isAbsolute(lockFile) ? lockFile : resolve(appRoot, lockFile);
}

export function writeLock(
  appRoot: string,
  lockFile: string,
  plugins: readonly InstalledPlugin[],
): string {
  const dirs = plugins.map((p) => p.dir);
  const content: LockFile = {
    lockVersion: LOCK_VERSION,
    contract: CONTRACT_MAJOR,
    key: lockKey(appRoot, dirs),
    stamps: keyedFiles(appRoot, dirs).map(([, path]) => stampOf(appRoot, path)),
    plugins: plugins.map((p) => {
      const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) as {
        cellar?: unknown;
        exports?: unknown;
      };
      return {
        package: p.package,
        version: p.version,
        dir: relative(appRoot, p.dir) || '.',
        cellar: pkg.cellar,
        exports: pkg.exports,
        entryFiles: p.entryFiles,
      };
    }),
  };
  const path = lockPath(appRoot, lockFile);
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
  return path;
}

export function readLock(appRoot: string, lockFile: string): LockState {
  const path = lockPath(appRoot, lockFile);
  let parsed: unknown;
  let lockMtimeNs: bigint;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
    lockMtimeNs = statSync(path, { bigint: true }).mtimeNs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', reason: `${path} cannot be read: ${(error as Error).message}` };
  }
  if (!lockCheck.Check(parsed)) {
    return {
      state: 'invalid',
      reason: `${path} is not a plugin lock file of version ${LOCK_VERSION}`,
    };
  }
  if (parsed.contract !== CONTRACT_MAJOR) {
    return {
      state: 'stale',
      reason: `it was written for plugin contract ${parsed.contract}; this Cellar implements ${CONTRACT_MAJOR}`,
    };
  }
  const dirs = parsed.plugins.map((p) => resolve(appRoot, p.dir));
  if (!unchangedSince(appRoot, parsed.stamps, dirs, lockMtimeNs)) {
    let key: string;
    try {
      key = lockKey(appRoot, dirs);
    } catch (error) {
      return { state: 'stale', reason: `a locked plugin is gone: ${(error as Error).message}` };
    }
    if (key !== parsed.key)
      return { state: 'stale', reason: 'the installed packages changed since it was written' };
  }
  const plugins: InstalledPlugin[] = [];
  for (const [i, p] of parsed.plugins.entries()) {
    const checked = validateManifest(p.cellar, p.exports);
    if (!checked.ok)
      return { state: 'invalid', reason: `${p.package}: ${checked.problems.join('; ')}` };
    plugins.push({
      package: p.package,
      version: p.version,
      dir: dirs[i] ?? appRoot,
      manifest: checked.manifest,
      entryFiles: p.entryFiles,
    });
  }
  return { state: 'fresh', plugins };
}
