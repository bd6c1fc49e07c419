// The committed generated files match what the code generates now (run scripts/generate to update).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { bootstrap, generateSample } from '@cellar/config';
import { renderErrorCatalog } from '@cellar/plugin-api';
import { guestGroups } from '@cellar/guest';
import { openApiDocument, serverGroups } from '@cellar/server';
import { repoRoot } from './support/repo.js';

test('etc/cellar.conf.sample and etc/cellar-guest.conf.sample match the option registry', async () => {
  const result = await bootstrap({
    side: 'server',
    appRoot: repoRoot,
    env: {},
    groups: [...serverGroups, ...guestGroups],
  });
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  for (const [side, file] of [
    ['server', 'etc/cellar.conf.sample'],
    ['guest', 'etc/cellar-guest.conf.sample'],
  ] as const) {
    const committed = await readFile(`${repoRoot}${file}`, 'utf8');
    assert.equal(
      committed,
      generateSample(result.registry, side),
      `${file} drifted from the code: run scripts/generate and commit the result`,
    );
  }
});

test('docs/errors.md matches the error catalog', async () => {
  const committed = await readFile(`${repoRoot}docs/errors.md`, 'utf8');
  assert.equal(
    committed,
    renderErrorCatalog(),
    'docs/errors.md drifted from the catalog: run scripts/generate and commit the result',
  );
});

test('docs/openapi.json matches the route schemas', async () => {
  const committed = await readFile(`${repoRoot}docs/openapi.json`, 'utf8');
  assert.equal(
    committed,
    `${JSON.stringify(await openApiDocument(), null, 2)}\n`,
    'docs/openapi.json drifted from the routes: run scripts/generate and commit the result',
  );
});
