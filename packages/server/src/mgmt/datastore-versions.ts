// Datastore versions for administrators, as Trove's /mgmt/datastore-versions: every version with
// its `active` and `default` flags, disabling one (no new instance may use it) or making it the
// default, and deleting an unused one. Which versions exist is the datastore plugins' catalog on
// this host (datastores/catalog.ts); an administrator's choices are kept apart so it keeps them.

import type { Kysely, Transaction } from 'kysely';
import {
  BadRequest,
  type CellarError,
  DatastoreVersionInactive,
  DatastoreVersionInUse,
  NotFound,
} from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';

/** Trove's management view of a version (no images here: `image` is empty, `packages` too). */
export interface MgmtVersionView {
  id: string;
  name: string;
  datastore_id: string;
  datastore_name: string;
  datastore_manager: string;
  image: string;
  image_tags: string[];
  packages: string[];
  active: boolean;
  default: boolean;
  version: string;
}

/** What PATCH may change: Trove's flat body; Cellar acts on `active` and `default`. */
export interface VersionUpdate {
  readonly active?: boolean | undefined;
  readonly default?: boolean | undefined;
  readonly name?: string | undefined;
  readonly datastore_manager?: string | undefined;
  readonly image?: string | undefined;
  readonly image_tags?: readonly string[] | undefined;
  readonly packages?: readonly string[] | string | undefined;
}

function versionRows(db: Kysely<Database> | Transaction<Database>) {
  return db
    .selectFrom('datastore_versions')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .select([
      'datastore_versions.id',
      'datastore_versions.name',
      'datastore_versions.datastore_id',
      'datastore_versions.manager',
      'datastore_versions.active',
      'datastore_versions.disabled',
      'datastores.name as datastore_name',
      'datastores.default_version_id',
    ]);
}
type VersionRow = Awaited<ReturnType<ReturnType<typeof versionRows>['executeTakeFirstOrThrow']>>;

const view = (row: VersionRow): MgmtVersionView => ({
  id: row.id,
  name: row.name,
  datastore_id: row.datastore_id,
  datastore_name: row.datastore_name,
  datastore_manager: row.manager,
  image: '',
  image_tags: [],
  packages: [],
  active: row.active === 1,
  default: row.default_version_id === row.id,
  version: row.name,
});

/** Every version of every datastore, active or not, by datastore then newest name first. */
export async function listMgmtVersions(db: Kysely<Database>): Promise<MgmtVersionView[]> {
  const rows = await versionRows(db)
    .orderBy('datastores.name')
    .orderBy('datastore_versions.name', 'desc')
    .execute();
  return rows.map(view);
}

async function loadVersion(
  db: Kysely<Database> | Transaction<Database>,
  id: string,
): Promise<VersionRow> {
  const row = await versionRows(db).where('datastore_versions.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Datastore version', id });
  return row;
}

export async function showMgmtVersion(db: Kysely<Database>, id: string): Promise<MgmtVersionView> {
  return view(await loadVersion(db, id));
}

/** Fields Trove's PATCH takes that name images and managers: nothing Cellar can change. */
function refuseImageFields(update: VersionUpdate): void {
  const fixed = (['name', 'datastore_manager', 'image', 'image_tags', 'packages'] as const).filter(
    (field) => update[field] !== undefined,
  );
  if (fixed.length > 0)
    throw new BadRequest({
      reason: `${fixed.join(', ')} cannot be changed: a version's name and manager come from the datastore plugin's catalog and Cellar runs no images; PATCH takes "active" and "default"`,
    });
}

/**
 * Disables or enables a version and makes it the default or not, in one transaction. A disabled
 * version, or one no longer the default, hands the default to the newest other active version.
 */
export async function updateMgmtVersion(
  db: Kysely<Database>,
  id: string,
  update: VersionUpdate,
): Promise<void> {
  refuseImageFields(update);
  await db.transaction().execute(async (trx) => {
    const row = await loadVersion(trx, id);
    if (update.active !== undefined)
      await trx
        .updateTable('datastore_versions')
        .set({ active: update.active ? 1 : 0, disabled: update.active ? 0 : 1 })
        .where('id', '=', id)
        .execute();
    const active = update.active ?? row.active === 1;
    if (update.default === true) {
      if (!active) throw await inactive(trx, row, 'it is disabled: enable it ("active": true)');
      await setDefault(trx, row.datastore_id, id, true);
    } else if (row.default_version_id === id && (update.default === false || !active)) {
      await setDefault(trx, row.datastore_id, await newestOtherActive(trx, row), false);
    }
  });
}

async function setDefault(
  trx: Transaction<Database>,
  datastoreId: string,
  versionId: string | null,
  chosen: boolean,
): Promise<void> {
  await trx
    .updateTable('datastores')
    .set({ default_version_id: versionId, default_chosen: chosen ? 1 : 0 })
    .where('id', '=', datastoreId)
    .execute();
}

async function newestOtherActive(trx: Transaction<Database>, row: VersionRow) {
  const other = await trx
    .selectFrom('datastore_versions')
    .select('id')
    .where('datastore_id', '=', row.datastore_id)
    .where('id', '!=', row.id)
    .where('active', '=', 1)
    .orderBy('name', 'desc')
    .executeTakeFirst();
  return other?.id ?? null;
}

async function inactive(
  trx: Transaction<Database>,
  row: VersionRow,
  reason: string,
): Promise<CellarError> {
  const active = await trx
    .selectFrom('datastore_versions')
    .select('name')
    .where('datastore_id', '=', row.datastore_id)
    .where('active', '=', 1)
    .orderBy('name', 'desc')
    .execute();
  return new DatastoreVersionInactive({
    datastore: row.datastore_name,
    version: row.name,
    reason,
    active: active.map((v) => v.name).join(', ') || 'none',
  });
}

/** Deletes a version no instance or backup names (400 naming them otherwise). */
export async function deleteMgmtVersion(db: Kysely<Database>, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await loadVersion(trx, id);
    const instances = await trx
      .selectFrom('instances')
      .select('id')
      .where('datastore_version_id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
    const backups = await trx
      .selectFrom('backups')
      .select('id')
      .where('datastore_version_id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
    if (instances.length + backups.length > 0) {
      const users = [
        ...(instances.length > 0 ? [`instances ${instances.map((i) => i.id).join(', ')}`] : []),
        ...(backups.length > 0 ? [`backups ${backups.map((b) => b.id).join(', ')}`] : []),
      ];
      throw new DatastoreVersionInUse({ version: id, users: users.join(' and ') });
    }
    if (row.default_version_id === id)
      await setDefault(trx, row.datastore_id, await newestOtherActive(trx, row), false);
    await trx.deleteFrom('datastore_versions').where('id', '=', id).execute();
  });
}

/** Trove's create body: the version's datastore and name, with its image and flags. */
export interface VersionCreate {
  readonly name: string;
  readonly datastore_name: string;
  readonly datastore_manager: string;
  readonly [field: string]: unknown;
}

/**
 * Versions come from the datastore plugins' catalogs on this host, not from a request: a create
 * is refused, naming the version when it is already known (Trove's duplicate answer).
 */
export async function createMgmtVersion(
  db: Kysely<Database>,
  create: VersionCreate,
): Promise<never> {
  const known = await versionRows(db)
    .where('datastores.name', '=', create.datastore_name)
    .where('datastore_versions.name', '=', create.name)
    .executeTakeFirst();
  throw new BadRequest({
    reason: known
      ? `datastore version ${create.datastore_name} ${create.name} already exists (${known.id})`
      : `Cellar finds datastore versions in the datastore plugins' catalogs on this host (install the server and restart to add ${create.datastore_name} ${create.name}); PATCH /mgmt/datastore-versions/{id} enables, disables or makes one the default`,
  });
}
