// The committed catalog against what the installed Redis's CONFIG SET takes: fails naming each
// parameter that differs, so a server upgrade cannot leave the API checking by stale rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogDrift } from '@cellar/plugin-api/testing';
import { whyNoRedis } from '../testing/live-server.js';
import { installedVersions } from '../server.js';
import { configuration, defaultsOf } from './index.js';
import { readServerCatalog } from './read-server.js';

const why = whyNoRedis();
if (why !== undefined) console.log(`# parameter catalog drift test skipped: ${why}`);

test('the committed catalog matches the installed Redis', async (t) => {
  if (why !== undefined) return t.skip(why);
  for (const { name } of await installedVersions()) {
    const committed = configuration.parameters(name);
    assert.ok(
      committed !== undefined,
      `Redis ${name} is installed but has no committed catalog: run scripts/generate`,
    );
    const live = await readServerCatalog();
    const drift = catalogDrift(committed, live.parameters);
    assert.deepEqual(drift, [], `run scripts/generate:\n${drift.join('\n')}`);
    assert.deepEqual(defaultsOf(name), live.defaults, 'the defaults differ: run scripts/generate');
  }
});
