// MariaDB's configuration parameters per installed version, from the committed catalogs that
// generate.ts writes from each server's information_schema.SYSTEM_VARIABLES.

import type { ConfigurationParameter, DatastoreConfiguration } from '@cellar/plugin-api';
import * as v10x11 from './catalog-10-11.js';

const catalogs: ReadonlyMap<string, readonly ConfigurationParameter[]> = new Map([
  [v10x11.version, v10x11.parameters],
]);

export const configuration: DatastoreConfiguration = {
  parameters: (version) => catalogs.get(version),
};
