#!/usr/bin/env node
// Keeps rooms small: no TypeScript source under packages/, datastores/ or backup-storages/ over 400
// lines and no function over 80 (tests included), measured with the TypeScript compiler's own parse.
//
// Usage: node scripts/check-sizes.mjs [--max-file-lines N] [--max-function-lines N]
// Prints one line per violation (file:line, what, size) and exits 1 when there is any.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: limits } = parseArgs({
  options: {
    'max-file-lines': { type: 'string', default: '400' },
    'max-function-lines': { type: 'string', default: '80' },
  },
});
const maxFileLines = Number(limits['max-file-lines']);
const maxFunctionLines = Number(limits['max-function-lines']);

/**
 * What the rule leaves alone, and why: migrations (a schema's history is written once and never
 * split) and declarative or generated tables (one entry per line of data, no logic to read).
 */
const allowed = [
  { path: /^packages\/server\/src\/db\/migrations\//, why: 'migrations' },
  { path: /^packages\/plugin-api\/src\/errors\/catalog\.ts$/, why: 'the error catalog (a table)' },
  {
    path: /^packages\/plugin-api\/src\/manager\/guest-operations\.ts$/,
    why: 'the guest operation declaration (a table)',
  },
  {
    // Written by each datastore's generator from its server's own catalog, one parameter a line:
    // a table of data with no logic, as long as the server has parameters.
    path: /^datastores\/[^/]+\/src\/parameters\/catalog-[^/]+\.ts$/,
    why: 'generated parameter catalogs (tables)',
  },
];

/** Callbacks that only group tests: their size is the tests', each measured on its own. */
const groupingCalls = new Set(['describe', 'suite']);

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function functionName(node, file) {
  if (node.name) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(file);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(file);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(file);
  if (parent && ts.isCallExpression(parent)) {
    const callee = parent.expression.getText(file);
    const label = parent.arguments[0];
    const title = label && ts.isStringLiteralLike(label) ? ` '${label.text.slice(0, 60)}'` : '';
    return `callback of ${callee}${title}`;
  }
  return '(anonymous)';
}

function isGroupingCallback(node) {
  const parent = node.parent;
  if (!parent || !ts.isCallExpression(parent)) return false;
  const callee = parent.expression;
  const name = ts.isIdentifier(callee)
    ? callee.text
    : ts.isPropertyAccessExpression(callee)
      ? callee.expression.getText()
      : '';
  return groupingCalls.has(name);
}

function lineOf(file, position) {
  return file.getLineAndCharacterOfPosition(position).line + 1;
}

function checkFunctions(file, path, problems) {
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && !isGroupingCallback(node)) {
      const start = lineOf(file, node.getStart(file));
      const lines = lineOf(file, node.end) - start + 1;
      if (lines > maxFunctionLines) {
        problems.push({
          where: `${path}:${start}`,
          what: `function ${functionName(node, file)}`,
          size: lines,
          limit: maxFunctionLines,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const problems = [];
for (const top of ['packages', 'datastores', 'backup-storages']) {
  for await (const full of sources(join(root, top))) {
    const path = relative(root, full);
    if (allowed.some((a) => a.path.test(path))) continue;
    const text = await readFile(full, 'utf8');
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const lines = file.getLineStarts().length - (text.endsWith('\n') ? 1 : 0);
    if (lines > maxFileLines)
      problems.push({ where: `${path}:1`, what: 'file', size: lines, limit: maxFileLines });
    checkFunctions(file, path, problems);
  }
}

problems.sort((a, b) => a.where.localeCompare(b.where, 'en', { numeric: true }));
for (const p of problems)
  console.log(`${p.where}: ${p.what} is ${p.size} lines (limit ${p.limit})`);
if (problems.length > 0) {
  console.log(
    `\n${problems.length} over the limits; allowed: ${allowed.map((a) => a.why).join(', ')}.`,
  );
  process.exitCode = 1;
} else {
  console.log('every file and function is within the limits');
}
