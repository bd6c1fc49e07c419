// Redis's configuration parameters per installed version, from the committed catalogs that
// generate.ts writes from what each server's CONFIG SET takes.

import type { ConfigurationParameter, DatastoreConfiguration } from '@cellar/plugin-api';
import * as v7x0 from './catalog-7-0.js';

const catalogs: ReadonlyMap<string, readonly ConfigurationParameter[]> = new Map([
  [v7x0.version, v7x0.parameters],
]);

export const configuration: DatastoreConfiguration = {
  parameters: (version) => catalogs.get(version),
};
