// Reading configuration groups: one project's group by id (the one way every service finds a
// group, so who may reach which project's groups is decided here), its values, and its version.

import type { Kysely, Transaction } from 'kysely';
import { NotFound, type ConfigurationValues } from '@cellar/plugin-api';
import type { Configuration, Database } from '../db/schema.js';
import type { ProjectScope } from '../policy/admin-context.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The group `id` (not deleted) within `scope` (a project, or every project for an admin), or 404:
 * another project's is indistinguishable.
 */
export async function loadConfiguration(
  db: Db,
  scope: ProjectScope,
  id: string,
): Promise<Configuration> {
  let query = db
    .selectFrom('configurations')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (scope !== undefined) query = query.where('tenant_id', '=', scope);
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Configuration group', id });
  return row;
}

/** A group's values as it was given them; empty for no group. */
export async function configurationValues(db: Db, id: string | null): Promise<ConfigurationValues> {
  if (id === null) return {};
  const rows = await db
    .selectFrom('configuration_values')
    .select(['name', 'value'])
    .where('configuration_id', '=', id)
    .orderBy('name')
    .execute();
  return Object.fromEntries(
    rows.map((r) => [r.name, JSON.parse(r.value) as string | number | boolean]),
  );
}

/** Replaces a group's values, in the caller's transaction. */
export async function writeValues(
  trx: Transaction<Database>,
  id: string,
  values: ConfigurationValues,
): Promise<void> {
  await trx.deleteFrom('configuration_values').where('configuration_id', '=', id).execute();
  const rows = Object.entries(values).map(([name, value]) => ({
    configuration_id: id,
    name,
    value: JSON.stringify(value),
  }));
  if (rows.length > 0) await trx.insertInto('configuration_values').values(rows).execute();
}

export interface VersionNames {
  readonly id: string;
  readonly datastore: string;
  readonly version: string;
}

/** The datastore and version names of a version id. */
export async function versionNames(db: Db, versionId: string): Promise<VersionNames> {
  const row = await db
    .selectFrom('datastore_versions')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .select([
      'datastore_versions.id',
      'datastores.name as datastore',
      'datastore_versions.name as version',
    ])
    .where('datastore_versions.id', '=', versionId)
    .executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Datastore version', id: versionId });
  return row;
}

/** The group's id and name, for an instance's detail; undefined when it has none. */
export async function configurationRef(
  db: Db,
  id: string | null,
): Promise<{ readonly id: string; readonly name: string } | undefined> {
  if (id === null) return undefined;
  return db
    .selectFrom('configurations')
    .select(['id', 'name'])
    .where('id', '=', id)
    .executeTakeFirst();
}
