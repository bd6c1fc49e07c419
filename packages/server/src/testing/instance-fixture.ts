// For tests of the control database: a datastore, a version and one instance of it, the rows
// other tables (instances, operations, faults, statuses) refer to.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { now, type Database } from '../db/schema.js';

/**
 * Inserts a datastore (postgresql unless named) with its version 15 (manager postgresql, active,
 * its default unless told otherwise); returns both ids.
 */
export async function insertDatastoreVersion(
  db: Kysely<Database>,
  options: { readonly name?: string; readonly isDefault?: boolean } = {},
): Promise<{ datastoreId: string; versionId: string }> {
  const datastoreId = randomUUID();
  const versionId = randomUUID();
  await db
    .insertInto('datastores')
    .values({
      id: datastoreId,
      name: options.name ?? 'postgresql',
      default_version_id: options.isDefault === false ? null : versionId,
    })
    .execute();
  await db
    .insertInto('datastore_versions')
    .values({
      id: versionId,
      datastore_id: datastoreId,
      name: '15',
      manager: 'postgresql',
      location: '/nowhere',
      active: 1,
    })
    .execute();
  return { datastoreId, versionId };
}

/** Inserts a PostgreSQL 15 instance in BUILD, of a datastore of its own; returns its id. */
export async function insertInstance(db: Kysely<Database>, rpcKey = 'sealed'): Promise<string> {
  const instanceId = randomUUID();
  const { versionId } = await insertDatastoreVersion(db, {
    name: `postgresql-${instanceId}`,
    isDefault: false,
  });
  await db
    .insertInto('instances')
    .values({
      id: instanceId,
      name: 'db1',
      tenant_id: 'p1',
      flavor_id: '1',
      volume_size: 1,
      volume_type: null,
      datastore_version_id: versionId,
      task_status: 'BUILDING',
      server_status: 'BUILD',
      address: null,
      hostname: null,
      access: '{}',
      availability_zone: null,
      locality: null,
      nics: '[]',
      security_rules: '[]',
      rpc_key: rpcKey,
      created_at: now(),
      updated_at: now(),
      deleted_at: null,
    })
    .execute();
  return instanceId;
}
