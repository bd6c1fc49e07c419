// Configuration groups of a project: create (values checked against the version's catalog),
// list, show, the instances a group is attached to, and delete (refused while attached).

import type { ProjectScope } from '../policy/admin-context.js';
import { randomUUID } from 'node:crypto';
import { BadRequest, ConfigurationAttached, DatastoreNotFound, NotFound } from '@cellar/plugin-api';
import type { Kysely, Transaction } from 'kysely';
import { now, type Database } from '../db/schema.js';
import type { InstanceDeps } from '../instances/deps.js';
import { catalogOf } from './catalog.js';
import {
  configurationValues,
  loadConfiguration,
  versionNames,
  writeValues,
  type VersionNames,
} from './lookup.js';
import type { CreateConfigurationRequest } from './requests.js';
import { checkValues } from './values.js';
import {
  configurationDetailView,
  configurationView,
  type ConfigurationDetailView,
  type ConfigurationView,
} from './views.js';

export type ConfigurationDeps = Pick<InstanceDeps, 'db' | 'datastores' | 'pageSize'>;

/** The version a create names (or the default of the datastore, or of the only datastore). */
async function resolveVersion(
  deps: ConfigurationDeps,
  wanted: CreateConfigurationRequest['datastore'],
): Promise<VersionNames> {
  const names = [...deps.datastores.keys()];
  const type = wanted?.type ?? (names.length === 1 ? names[0] : undefined);
  if (type === undefined)
    throw new BadRequest({
      reason: `configuration.datastore.type is required: one of ${names.join(', ')}`,
    });
  const datastore = await deps.db
    .selectFrom('datastores')
    .selectAll()
    .where((eb) => eb.or([eb('name', '=', type), eb('id', '=', type)]))
    .executeTakeFirst();
  if (!datastore) throw new DatastoreNotFound({ id: type, offered: names.join(', ') || 'none' });
  const asked = wanted?.version ?? wanted?.version_number;
  const version = await deps.db
    .selectFrom('datastore_versions')
    .selectAll()
    .where('datastore_id', '=', datastore.id)
    .where((eb) =>
      asked === undefined
        ? eb('id', '=', datastore.default_version_id ?? '')
        : eb.or([eb('id', '=', asked), eb('name', '=', asked)]),
    )
    .executeTakeFirst();
  if (!version)
    throw new NotFound({
      resource: 'Datastore version',
      id: `${datastore.name} ${asked ?? '(default)'}`,
    });
  return { id: version.id, datastore: datastore.name, version: version.name };
}

export async function createConfiguration(
  deps: ConfigurationDeps,
  tenant: string,
  body: CreateConfigurationRequest,
): Promise<ConfigurationDetailView> {
  const version = await resolveVersion(deps, body.datastore);
  const values = checkValues(
    catalogOf(deps.datastores, version.datastore, version.version),
    body.values,
  );
  const at = now();
  const row = {
    id: randomUUID(),
    tenant_id: tenant,
    name: body.name,
    description: body.description ?? '',
    datastore_version_id: version.id,
    created_at: at,
    updated_at: at,
    deleted_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('configurations').values(row).execute();
    await writeValues(trx, row.id, values);
  });
  return configurationDetailView(row, version, values, 0);
}

/** A page of the project's groups, by id; `next` is the marker of the next page. */
export async function listConfigurations(
  deps: ConfigurationDeps,
  tenant: string,
  page: { readonly limit?: string | undefined; readonly marker?: string | undefined },
): Promise<{ readonly configurations: ConfigurationView[]; readonly next?: string }> {
  const size = deps.pageSize ?? 20;
  const limit = Math.min(Number(page.limit ?? size) || size, size);
  let q = deps.db
    .selectFrom('configurations')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('deleted_at', 'is', null);
  if (page.marker !== undefined) q = q.where('id', '>', page.marker);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const shown = rows.slice(0, limit);
  const views = await Promise.all(
    shown.map(async (r) =>
      configurationView(r, await versionNames(deps.db, r.datastore_version_id)),
    ),
  );
  const last = shown.at(-1);
  return rows.length > limit && last
    ? { configurations: views, next: last.id }
    : { configurations: views };
}

/** The instances (not deleted) a group is attached to. */
export function attachedInstances(
  deps: { readonly db: Kysely<Database> | Transaction<Database> },
  id: string,
): Promise<{ id: string; name: string }[]> {
  return deps.db
    .selectFrom('instances')
    .select(['id', 'name'])
    .where('configuration_id', '=', id)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
}

export async function showConfiguration(
  deps: ConfigurationDeps,
  tenant: ProjectScope,
  id: string,
): Promise<ConfigurationDetailView> {
  const row = await loadConfiguration(deps.db, tenant, id);
  const [version, values, instances] = await Promise.all([
    versionNames(deps.db, row.datastore_version_id),
    configurationValues(deps.db, row.id),
    attachedInstances(deps, row.id),
  ]);
  return configurationDetailView(row, version, values, instances.length);
}

/** Trove's `{"instances": [{"id", "name"}]}` of a group, a page after `marker`. */
export async function configurationInstances(
  deps: ConfigurationDeps,
  tenant: ProjectScope,
  id: string,
  page: { readonly limit?: string | undefined; readonly marker?: string | undefined },
): Promise<{ readonly instances: { id: string; name: string }[]; readonly next?: string }> {
  const row = await loadConfiguration(deps.db, tenant, id);
  const size = deps.pageSize ?? 20;
  const limit = Math.min(Number(page.limit ?? size) || size, size);
  const all = (await attachedInstances(deps, row.id)).filter(
    (i) => page.marker === undefined || i.id > page.marker,
  );
  const shown = all.slice(0, limit);
  const last = shown.at(-1);
  return all.length > limit && last ? { instances: shown, next: last.id } : { instances: shown };
}

/** Deletes (keeps the row, as Trove) a group no live instance has attached; 400 otherwise. */
export async function deleteConfiguration(
  deps: ConfigurationDeps,
  tenant: ProjectScope,
  id: string,
): Promise<void> {
  // Marked before the check, in one transaction: the row lock it takes orders it with an attach
  // (which takes it too), so whichever comes second sees what the first did.
  await deps.db.transaction().execute(async (trx) => {
    const row = await loadConfiguration(trx, tenant, id);
    await trx
      .updateTable('configurations')
      .set({ deleted_at: now(), updated_at: now() })
      .where('id', '=', row.id)
      .execute();
    const attached = await attachedInstances({ db: trx }, row.id);
    if (attached.length > 0)
      throw new ConfigurationAttached({
        id: row.id,
        instances: attached.map((i) => i.id).join(', '),
      });
  });
}
