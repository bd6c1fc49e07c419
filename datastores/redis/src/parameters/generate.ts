// Writes catalog-<version>.ts for the installed Redis from what its own CONFIG SET takes, so the
// committed catalog follows the server (scripts/generate runs it; the drift test checks it).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCatalogModule } from '@cellar/plugin-api/testing';
import { installedVersions } from '../server.js';
import { readServerCatalog } from './read-server.js';

const sourceDir = fileURLToPath(new URL('../../src/parameters/', import.meta.url));

export const catalogFile = (version: string): string =>
  join(sourceDir, `catalog-${version.replaceAll('.', '-')}.ts`);

for (const { name } of await installedVersions()) {
  const { parameters, defaults } = await readServerCatalog();
  await writeCatalogModule(catalogFile(name), {
    version: name,
    source: [
      `Redis ${name}'s configuration parameters: what its CONFIG SET takes (probe-config.ts),`,
      'minus blocklist.ts, and their values on a fresh server (what a dropped one goes back to);',
      'written by datastores/redis/dist/parameters/generate.js.',
    ],
    parameters,
    defaults,
  });
  console.error(`Regenerated ${catalogFile(name)} (${parameters.length} parameters)`);
}
