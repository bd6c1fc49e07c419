// For tests of the backup records: a migrated control database of the test's own on each
// dialect (SQLite, and PostgreSQL when installed), and backup rows in the state a test needs.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import type { BackupState } from '../instances/states.js';
import { postgresBinaries, startPostgres, type PostgresServer } from './postgresql.js';

/** A migrated SQLite control database, closed and removed after the test. */
async function sqliteControl(t: TestContext): Promise<ControlDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-backup-rows-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  t.after(async () => {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });
  return control;
}

/** One PostgreSQL server per test file, started when a test first needs it; a database per test. */
let postgres: Promise<PostgresServer> | undefined;
let databases = 0;

async function postgresqlControl(t: TestContext): Promise<ControlDatabase> {
  postgres ??= startPostgres();
  const { url } = await postgres;
  const name = `backup_rows_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const control = await openDatabase({
    dialect: 'postgresql',
    url: url.replace(/\/cellar$/, `/${name}`),
  });
  t.after(() => control.close());
  return control;
}

/**
 * Registers `name` once per dialect, each run on a fresh migrated control database; the file's
 * PostgreSQL server is stopped after its tests.
 */
export function onBothDialects(
  name: string,
  body: (control: ControlDatabase) => Promise<void>,
): void {
  const dialects = [
    { label: 'SQLite', open: sqliteControl, skip: false },
    {
      label: 'PostgreSQL',
      open: postgresqlControl,
      skip: postgresBinaries() === undefined ? 'PostgreSQL is not installed' : false,
    },
  ] as const;
  for (const dialect of dialects)
    test(`${name} (${dialect.label})`, { skip: dialect.skip }, async (t) => {
      const control = await dialect.open(t);
      await migrateToLatest(control.db);
      await body(control);
    });
}

after(async () => {
  if (postgres) await (await postgres).stop();
});

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
