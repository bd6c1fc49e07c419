// How configuration groups and parameters are shown, as Trove shows them: CFG in lists, with the
// values and the instance count in a group's detail, PARAM for a version's parameters.

import type { ConfigurationParameter, ConfigurationValues } from '@cellar/plugin-api';
import type { Configuration } from '../db/schema.js';
import { troveTime } from '../instances/views.js';
import type { VersionNames } from './lookup.js';

export interface ConfigurationView {
  id: string;
  name: string;
  description: string;
  created: string | null;
  updated: string | null;
  datastore_version_id: string;
  datastore_name: string;
  datastore_version_name: string;
  datastore_version_number: string;
}

export interface ConfigurationDetailView extends ConfigurationView {
  values: ConfigurationValues;
  instance_count: number;
}

export function configurationView(row: Configuration, version: VersionNames): ConfigurationView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    created: troveTime(row.created_at),
    updated: troveTime(row.updated_at),
    datastore_version_id: row.datastore_version_id,
    datastore_name: version.datastore,
    datastore_version_name: version.version,
    datastore_version_number: version.version,
  };
}

export function configurationDetailView(
  row: Configuration,
  version: VersionNames,
  values: ConfigurationValues,
  instanceCount: number,
): ConfigurationDetailView {
  return { ...configurationView(row, version), values, instance_count: instanceCount };
}

/**
 * Trove's PARAM (min and max left out when absent), with Cellar's choices, unit and
 * description where the catalog has them.
 */
export function parameterView(p: ConfigurationParameter, versionId: string): object {
  return {
    name: p.name,
    datastore_version_id: versionId,
    restart_required: p.restartRequired,
    type: p.type,
    ...(p.min === undefined ? {} : { min: p.min }),
    ...(p.max === undefined ? {} : { max: p.max }),
    ...(p.choices === undefined ? {} : { choices: [...p.choices] }),
    ...(p.unit === undefined ? {} : { unit: p.unit }),
    ...(p.description === undefined ? {} : { description: p.description }),
  };
}
