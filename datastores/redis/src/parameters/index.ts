// Redis's configuration parameters per installed version, from the committed catalogs that
// generate.ts writes from what each server's CONFIG SET takes, with each parameter's default.

import type { ConfigurationParameter, DatastoreConfiguration } from '@cellar/plugin-api';
import * as v7x0 from './catalog-7-0.js';

const catalogs: ReadonlyMap<string, readonly ConfigurationParameter[]> = new Map([
  [v7x0.version, v7x0.parameters],
]);

const defaults: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map([
  [v7x0.version, v7x0.defaults],
]);

/** Each parameter's value on a fresh server of `version`, for putting a dropped one back. */
export const defaultsOf = (version: string): Readonly<Record<string, string>> | undefined =>
  defaults.get(version);

export const configuration: DatastoreConfiguration = {
  parameters: (version) => catalogs.get(version),
};
