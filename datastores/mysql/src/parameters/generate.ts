// Writes catalog-<version>.ts for every installed MariaDB from its own SYSTEM_VARIABLES, so the
// committed catalogs follow the server (scripts/generate runs it; the drift test checks it).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCatalogModule } from '@cellar/plugin-api/testing';
import { installedVersions } from '../versions.js';
import { toParameters } from './from-system-variables.js';
import { readServerCatalog } from './read-server.js';

const sourceDir = fileURLToPath(new URL('../../src/parameters/', import.meta.url));

export const catalogFile = (version: string): string =>
  join(sourceDir, `catalog-${version.replaceAll('.', '-')}.ts`);

for (const server of installedVersions().filter((s) => s.flavor === 'mariadb')) {
  const { rows, fileOptions } = await readServerCatalog(server);
  const parameters = toParameters(rows, fileOptions);
  await writeCatalogModule(catalogFile(server.name), {
    version: server.name,
    source: [
      `MariaDB ${server.name}'s configuration parameters, from its information_schema.SYSTEM_VARIABLES`,
      '(from-system-variables.ts) minus blocklist.ts; written by datastores/mysql/dist/parameters/generate.js.',
    ],
    parameters,
  });
  console.error(`Regenerated ${catalogFile(server.name)} (${parameters.length} parameters)`);
}
