// The committed catalog against the installed server's pg_settings: fails naming each parameter
// that differs, so a server upgrade cannot leave the API checking values by stale rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogDrift } from '@cellar/plugin-api/testing';
import { whyNoPostgres } from '../testing/live-server.js';
import { installedVersions } from '../versions.js';
import { toParameters } from './from-pg-settings.js';
import { configuration } from './index.js';
import { readPgSettings } from './read-server.js';

const why = whyNoPostgres();
if (why !== undefined) console.log(`# parameter catalog drift test skipped: ${why}`);

test('the committed catalogs match the installed PostgreSQL servers', async (t) => {
  if (why !== undefined) return t.skip(why);
  for (const { name } of installedVersions()) {
    const committed = configuration.parameters(name);
    assert.ok(
      committed !== undefined,
      `PostgreSQL ${name} is installed but has no committed catalog: run scripts/generate`,
    );
    const drift = catalogDrift(committed, toParameters(await readPgSettings(name)));
    assert.deepEqual(drift, [], `run scripts/generate:\n${drift.join('\n')}`);
  }
});
