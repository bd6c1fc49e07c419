// The parameter catalog of a datastore version, from the datastore plugin's server half: what
// every configuration group of that version is checked against. A version without one is refused.

import {
  ConfigurationNotSupported,
  type ConfigurationParameter,
  type DatastoreConfiguration,
} from '@cellar/plugin-api';
import type { DatastorePolicy } from '../instances/deps.js';
import type { CatalogOf } from './values.js';

/** The catalog of `version` of `datastore`, or 422 naming the version. */
export function catalogOf(
  datastores: ReadonlyMap<string, Pick<DatastorePolicy, 'configuration'>>,
  datastore: string,
  version: string,
): CatalogOf {
  const configuration: DatastoreConfiguration | undefined =
    datastores.get(datastore)?.configuration;
  if (!configuration)
    throw new ConfigurationNotSupported({
      datastore,
      version,
      reason: `the ${datastore} datastore declares no configuration parameters`,
    });
  const parameters: readonly ConfigurationParameter[] | undefined =
    configuration.parameters(version);
  if (!parameters || parameters.length === 0)
    throw new ConfigurationNotSupported({
      datastore,
      version,
      reason: `the ${datastore} datastore has no parameter catalog for version ${version}`,
    });
  return { datastore, version, parameters };
}
