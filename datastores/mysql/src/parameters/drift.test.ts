// The committed catalog against the installed MariaDB's SYSTEM_VARIABLES: fails naming each
// variable that differs, so a server upgrade cannot leave the API checking by stale rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogDrift } from '@cellar/plugin-api/testing';
import { whyNoServer } from '../testing/live-server.js';
import { installedVersions } from '../versions.js';
import { toParameters } from './from-system-variables.js';
import { configuration } from './index.js';
import { readServerCatalog } from './read-server.js';

const why = whyNoServer();
if (why !== undefined) console.log(`# parameter catalog drift test skipped: ${why}`);

test('the committed catalogs match the installed MariaDB servers', async (t) => {
  if (why !== undefined) return t.skip(why);
  const servers = installedVersions().filter((s) => s.flavor === 'mariadb');
  if (servers.length === 0) return t.skip('no MariaDB server installed (only MySQL-family ones)');
  for (const server of servers) {
    const committed = configuration.parameters(server.name);
    assert.ok(
      committed !== undefined,
      `MariaDB ${server.name} is installed but has no committed catalog: run scripts/generate`,
    );
    const { rows, fileOptions } = await readServerCatalog(server);
    const drift = catalogDrift(committed, toParameters(rows, fileOptions));
    assert.deepEqual(drift, [], `run scripts/generate:\n${drift.join('\n')}`);
  }
});
