// A datastore version's configuration parameters as Trove serves them, by datastore and version
// (id or name) or by version id alone, from the datastore plugin's catalog.

import { NotFound, type ConfigurationParameter } from '@cellar/plugin-api';
import type { InstanceDeps } from '../instances/deps.js';
import { catalogOf } from './catalog.js';
import { versionNames, type VersionNames } from './lookup.js';
import { parameterView } from './views.js';

type Deps = Pick<InstanceDeps, 'db' | 'datastores'>;

/** The version `version` (id or name) of `datastore` (id or name); 404 naming both. */
async function findVersion(deps: Deps, datastore: string, version: string): Promise<VersionNames> {
  const row = await deps.db
    .selectFrom('datastore_versions')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .select([
      'datastore_versions.id',
      'datastores.name as datastore',
      'datastore_versions.name as version',
    ])
    .where((eb) =>
      eb.or([eb('datastores.id', '=', datastore), eb('datastores.name', '=', datastore)]),
    )
    .where((eb) =>
      eb.or([
        eb('datastore_versions.id', '=', version),
        eb('datastore_versions.name', '=', version),
      ]),
    )
    .executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Datastore version', id: `${datastore} ${version}` });
  return row;
}

function parametersOf(deps: Deps, v: VersionNames): readonly ConfigurationParameter[] {
  return catalogOf(deps.datastores, v.datastore, v.version).parameters;
}

function one(deps: Deps, v: VersionNames, name: string): object {
  const p = parametersOf(deps, v).find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!p)
    throw new NotFound({
      resource: `Configuration parameter of ${v.datastore} ${v.version}`,
      id: name,
    });
  return parameterView(p, v.id);
}

const list = (deps: Deps, v: VersionNames) => ({
  'configuration-parameters': parametersOf(deps, v).map((p) => parameterView(p, v.id)),
});

export async function listParameters(deps: Deps, datastore: string, version: string) {
  return list(deps, await findVersion(deps, datastore, version));
}

export async function showParameter(deps: Deps, datastore: string, version: string, name: string) {
  return one(deps, await findVersion(deps, datastore, version), name);
}

export async function listParametersByVersion(deps: Deps, versionId: string) {
  return list(deps, await versionNames(deps.db, versionId));
}

export async function showParameterByVersion(deps: Deps, versionId: string, name: string) {
  return one(deps, await versionNames(deps.db, versionId), name);
}
