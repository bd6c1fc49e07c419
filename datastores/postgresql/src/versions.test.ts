import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installedVersions, missingServer } from './versions.js';

function withRoot(fn: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'cellar-pg-versions-'));
  try {
    fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a host without PostgreSQL is told to install Debian’s postgresql', () =>
  withRoot((root) => {
    const missing = join(root, 'absent');
    assert.deepEqual(installedVersions(missing), []);
    assert.deepEqual(missingServer(missing), {
      reason: `no PostgreSQL server binaries under ${missing}/<version>/bin`,
      debianPackage: 'postgresql',
    });
  }));

test('a major with only its client installed names that major’s server package', () =>
  withRoot((root) => {
    mkdirSync(join(root, '15', 'bin'), { recursive: true });
    writeFileSync(join(root, '15', 'bin', 'psql'), '');
    assert.deepEqual(installedVersions(root), []);
    assert.deepEqual(missingServer(root), {
      reason: `${join(root, '15', 'bin')} has no postgres and initdb (only the client is installed)`,
      debianPackage: 'postgresql-15',
    });
  }));
