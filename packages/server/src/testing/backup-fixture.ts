// For tests of the backup records: a migrated SQLite control database of the test's own, and
// backup rows in the state a test needs, as the API and the conductor leave them.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import type { BackupState } from '../instances/states.js';

/** A migrated SQLite control database, closed and removed after the test. */
export async function sqliteControl(t: TestContext): Promise<ControlDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-backup-rows-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  t.after(async () => {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });
  await migrateToLatest(control.db);
  return control;
}

export interface BackupRow {
  readonly state: BackupState;
  readonly instanceId?: string;
  readonly parentId?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** Inserts a backup of project p1 on the `fake` storage; returns its id. */
export async function insertBackup(control: ControlDatabase, row: BackupRow): Promise<string> {
  const id = randomUUID();
  const instance = row.instanceId ?? 'i1';
  await control.db
    .insertInto('backups')
    .values({
      id,
      tenant_id: 'p1',
      name: 'b',
      description: '',
      instance_id: instance,
      datastore: 'postgresql',
      datastore_version: '15',
      datastore_version_id: 'v1',
      parent_id: row.parentId ?? null,
      state: row.state,
      storage: 'fake',
      object_key: `${instance}/${id}`,
      location: null,
      size: null,
      progress: null,
      checksum: null,
      compression: null,
      strategy: 'pg_basebackup',
      meta: JSON.stringify(row.meta ?? {}),
      fault_code: null,
      fault_message: null,
      created_at: now(),
      updated_at: now(),
      deleted_at: null,
    })
    .execute();
  return id;
}
