import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveExportTarget } from './package-exports.js';

test('exports: plain subpaths, condition objects, and subpath patterns resolve as Node resolves them', () => {
  const exportsField = {
    './options': { types: './dist/options.d.ts', import: './dist/options.js' },
    './*': './dist/*.js',
    './backup/*': { default: './dist/backup/*.mjs' },
    './private/*': null,
    './package.json': './package.json',
  };
  assert.equal(resolveExportTarget(exportsField, './options'), './dist/options.js');
  assert.equal(resolveExportTarget(exportsField, './guest'), './dist/guest.js');
  assert.equal(
    resolveExportTarget(exportsField, './backup/basebackup'),
    './dist/backup/basebackup.mjs',
  );
  assert.equal(resolveExportTarget(exportsField, './private/key'), undefined);
  assert.equal(resolveExportTarget(exportsField, './package.json'), './package.json');
  assert.equal(resolveExportTarget('./index.js', '.'), './index.js');
  assert.equal(resolveExportTarget('./index.js', './options'), undefined);
});
