// Attaching a group to an instance and detaching it, through PUT /instances/{id} as Trove does
// (`configuration`: an id, or null), with Cellar's dry run; and the group a new instance starts with.

import type { ProjectScope } from '../policy/admin-context.js';
import {
  BadRequest,
  ConfigurationAlreadyAttached,
  ConfigurationMismatch,
  DatastoreOperationNotSupported,
  isCellarError,
  type ConfigurationValues,
} from '@cellar/plugin-api';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { updateInstance, type InstanceUpdate } from '../instances/actions.js';
import type { Caller, InstanceDeps } from '../instances/deps.js';
import { loadInstance } from '../instances/lookup.js';
import type { InstanceRow } from '../instances/views.js';
import { checkIdle, dryRunView, planFor, startConfigure, type DryRunView } from './apply.js';
import { catalogOf } from './catalog.js';
import { configurationValues, loadConfiguration, versionNames } from './lookup.js';
import { checkValues, type FlavorFit } from './values.js';

/** The RAM a group's memory-like values must fit on this instance. */
export async function flavorFit(
  db: Kysely<Database>,
  flavorId: string,
  holder: string,
): Promise<FlavorFit> {
  const flavor = await db
    .selectFrom('flavors')
    .select(['id', 'ram'])
    .where('id', '=', flavorId)
    .executeTakeFirst();
  return { flavor: flavorId, ramMb: flavor?.ram ?? Number.MAX_SAFE_INTEGER, holder };
}

/** The catalog's parameters, or none when the version has lost its catalog (a detach still goes). */
function parametersOrNone(deps: Pick<InstanceDeps, 'datastores'>, row: InstanceRow) {
  try {
    return catalogOf(deps.datastores, row.datastore, row.version).parameters;
  } catch (error) {
    if (isCellarError(error) && error.status === 422) return [];
    throw error;
  }
}

/** The values of `group` checked for this instance: its version, its flavor. */
async function valuesFor(
  deps: InstanceDeps,
  tenant: ProjectScope,
  row: InstanceRow,
  group: string,
): Promise<ConfigurationValues> {
  const configuration = await loadConfiguration(deps.db, tenant, group);
  if (configuration.datastore_version_id !== row.datastore_version_id) {
    const wanted = await versionNames(deps.db, configuration.datastore_version_id);
    throw new ConfigurationMismatch({
      configuration: configuration.id,
      wanted: `${wanted.datastore} ${wanted.version}`,
      instance: row.id,
      actual: `${row.datastore} ${row.version}`,
    });
  }
  const catalog = catalogOf(deps.datastores, row.datastore, row.version);
  const fit = await flavorFit(deps.db, row.flavor_id, `instance ${row.id}`);
  return checkValues(catalog, await configurationValues(deps.db, configuration.id), [fit]);
}

/**
 * Attaches `group` (an id) or detaches (null); with `dryRun`, answers what would change and
 * changes nothing. Trove's rules: one group at a time, of the instance's version.
 */
export async function changeInstanceConfiguration(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
  group: string | null,
  dryRun: boolean,
): Promise<DryRunView | undefined> {
  const row = await loadInstance(deps.db, tenant, id);
  if (!deps.datastores.get(row.datastore)?.capabilities.includes('configuration'))
    throw new DatastoreOperationNotSupported({
      operation: group === null ? 'configuration_detach' : 'configuration_attach',
      datastore: row.datastore,
    });
  if (group !== null && row.configuration_id !== null)
    throw new ConfigurationAlreadyAttached({
      instance: row.id,
      configuration: row.configuration_id,
    });
  if (group === null && row.configuration_id === null)
    throw new BadRequest({ reason: `Instance ${row.id} has no configuration group to detach.` });
  const next = group === null ? {} : await valuesFor(deps, tenant, row, group);
  const previous = await configurationValues(deps.db, row.configuration_id);
  const plan = planFor(
    row,
    { configuration: row.configuration_id, values: previous },
    { configuration: group, values: next },
    parametersOrNone(deps, row),
  );
  if (dryRun) return dryRunView(group, [plan]);
  checkIdle(deps, row);
  await startConfigure(deps, plan);
  return undefined;
}

/** PUT /instances/{id}'s `instance`: name and access as before, or Trove's `configuration`. */
export interface InstanceChange extends InstanceUpdate {
  readonly configuration?: string | null | undefined;
}

/**
 * Trove's update: a rename and at most one other change. A configuration change goes through
 * its own service; the rest through the instance's.
 */
export async function updateInstanceOrConfiguration(
  deps: InstanceDeps,
  caller: Caller,
  tenant: ProjectScope,
  id: string,
  change: InstanceChange,
  dryRun: boolean,
): Promise<DryRunView | undefined> {
  const { configuration, ...rest } = change;
  if (configuration === undefined) {
    if (dryRun) throw new BadRequest({ reason: 'dry_run is for a configuration change only' });
    await updateInstance(deps, caller, tenant, id, rest);
    return undefined;
  }
  if (rest.access !== undefined)
    throw new BadRequest({ reason: "Only one attribute (except 'name') is allowed to update." });
  const answer = await changeInstanceConfiguration(deps, tenant, id, configuration, dryRun);
  if (!dryRun && rest.name !== undefined)
    await updateInstance(deps, caller, tenant, id, { name: rest.name });
  return answer;
}

/** The group a new instance is created with: of its version, its values fitting its flavor. */
export async function configurationForCreate(
  deps: InstanceDeps,
  tenant: string,
  group: string,
  version: { readonly id: string; readonly datastore: string; readonly version: string },
  flavor: { readonly id: string; readonly ram: number },
): Promise<string> {
  const configuration = await loadConfiguration(deps.db, tenant, group);
  if (configuration.datastore_version_id !== version.id) {
    const wanted = await versionNames(deps.db, configuration.datastore_version_id);
    throw new ConfigurationMismatch({
      configuration: configuration.id,
      wanted: `${wanted.datastore} ${wanted.version}`,
      instance: '(new)',
      actual: `${version.datastore} ${version.version}`,
    });
  }
  const catalog = catalogOf(deps.datastores, version.datastore, version.version);
  checkValues(catalog, await configurationValues(deps.db, configuration.id), [
    { flavor: flavor.id, ramMb: flavor.ram, holder: 'the new instance' },
  ]);
  return configuration.id;
}

/** What a new instance's prepare gets as its overrides: its group's values. */
export function overridesOf(
  db: Kysely<Database>,
  configurationId: string | null,
): Promise<ConfigurationValues> {
  return configurationValues(db, configurationId);
}
