// PostgreSQL's configuration parameters per installed major, from the committed catalogs that
// generate.ts writes from each server's pg_settings.

import type { ConfigurationParameter, DatastoreConfiguration } from '@cellar/plugin-api';
import * as v15 from './catalog-15.js';

const catalogs: ReadonlyMap<string, readonly ConfigurationParameter[]> = new Map([
  [v15.version, v15.parameters],
]);

/** The versions Cellar has a catalog for. */
export const catalogVersions: readonly string[] = [...catalogs.keys()];

export const configuration: DatastoreConfiguration = {
  parameters: (version) => catalogs.get(version),
};
