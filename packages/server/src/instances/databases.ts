// An instance's databases: listed, created (under the datastore's naming rules) and deleted by
// its guest, after the checks every guest resource shares (guest-resources.ts).

import type { Static } from '@sinclair/typebox';
import type { Caller, InstanceDeps } from './deps.js';
import { checkNames, pageOf, readyGuest, type InstanceRef } from './guest-resources.js';
import { toDatabaseSpec, type databaseBody } from './requests.js';

export async function listDatabases(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  page: { limit?: string | undefined; marker?: string | undefined },
): Promise<{ name: string }[]> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'databases', 'list_databases');
  const found = await guest.listDatabases(pageOf(page), context);
  return found.items.map((d) => ({ name: d.name }));
}

export async function createDatabases(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  databases: readonly Static<typeof databaseBody>[],
): Promise<void> {
  const ready = await readyGuest(deps, caller, ref, 'databases', 'create_database');
  checkNames(
    'database',
    'body.databases',
    databases.map((d) => d.name),
    ready.nameRules?.database,
    ready.row.datastore,
  );
  await ready.guest.createDatabases(databases.map(toDatabaseSpec), ready.context);
}

export async function deleteDatabase(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  name: string,
): Promise<void> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'databases', 'delete_database');
  await guest.deleteDatabase(name, context);
}
