// Backups: one row per backup taken (or being taken) of an instance, with where its object is,
// what it holds and how it ended. A deleted backup keeps its row (deleted_at) for the record.

import { sql, type Kysely, type Migration } from 'kysely';

export const backups: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('backups')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('datastore', 'varchar(64)', (c) => c.notNull())
      .addColumn('datastore_version', 'varchar(64)', (c) => c.notNull())
      .addColumn('datastore_version_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('parent_id', 'varchar(64)')
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      // The storage plugin that holds the object: a later change of [DEFAULT] backup_storage
      // must not lose the way to the backups taken before it.
      .addColumn('storage', 'varchar(64)', (c) => c.notNull())
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('location', 'text')
      // Bytes, as doubles: exact far beyond any backup, and read back as numbers on both dialects.
      .addColumn('size', 'double precision')
      .addColumn('progress', 'double precision')
      .addColumn('checksum', 'varchar(64)')
      .addColumn('compression', 'varchar(16)')
      .addColumn('strategy', 'varchar(64)', (c) => c.notNull())
      .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('fault_code', 'varchar(64)')
      .addColumn('fault_message', 'text')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('deleted_at', 'varchar(32)')
      .execute();
    await db.schema
      .createIndex('backups_tenant')
      .on('backups')
      .columns(['tenant_id', 'updated_at'])
      .where(sql<boolean>`deleted_at is null`)
      .execute();
    await db.schema
      .createIndex('backups_instance')
      .on('backups')
      .columns(['instance_id', 'created_at'])
      .execute();
    await db.schema.createIndex('backups_parent').on('backups').column('parent_id').execute();
  },
};
