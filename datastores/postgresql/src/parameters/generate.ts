// Writes catalog-<version>.ts for every installed PostgreSQL major from its own pg_settings, so
// the committed catalogs follow the server (scripts/generate runs it; the drift test checks it).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCatalogModule } from '@cellar/plugin-api/testing';
import { installedVersions } from '../versions.js';
import { toParameters } from './from-pg-settings.js';
import { readPgSettings } from './read-server.js';

/** The committed source directory, from this compiled file in dist/parameters/. */
const sourceDir = fileURLToPath(new URL('../../src/parameters/', import.meta.url));

export const catalogFile = (version: string): string =>
  join(sourceDir, `catalog-${version.replaceAll('.', '-')}.ts`);

for (const { name } of installedVersions()) {
  const parameters = toParameters(await readPgSettings(name));
  await writeCatalogModule(catalogFile(name), {
    version: name,
    source: [
      `PostgreSQL ${name}'s configuration parameters, from its pg_settings (from-pg-settings.ts),`,
      'minus blocklist.ts; written by datastores/postgresql/dist/parameters/generate.js.',
    ],
    parameters,
  });
  console.error(`Regenerated ${catalogFile(name)} (${parameters.length} parameters)`);
}
