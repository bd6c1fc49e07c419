// Configuration groups: one row per group of a project for one datastore version (a deleted
// group keeps its row, `deleted_at`, as Trove keeps it), its values one row per parameter, and
// on each instance the group attached to it and whether a changed value waits for a restart.

import { sql, type Kysely, type Migration } from 'kysely';

export const configurations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('configurations')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('datastore_version_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('deleted_at', 'varchar(32)')
      .execute();
    await db.schema
      .createIndex('configurations_tenant')
      .on('configurations')
      .columns(['tenant_id', 'id'])
      .where(sql<boolean>`deleted_at is null`)
      .execute();
    await db.schema
      .createTable('configuration_values')
      .addColumn('configuration_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      // JSON: a value keeps its type (number, string or boolean) as the group was given it.
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('configuration_values_pk', ['configuration_id', 'name'])
      .execute();
    await db.schema.alterTable('instances').addColumn('configuration_id', 'varchar(64)').execute();
    // Set when a changed value takes effect only after a restart; a restart clears it.
    await db.schema
      .alterTable('instances')
      .addColumn('restart_required', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('instances_configuration')
      .on('instances')
      .column('configuration_id')
      .execute();
  },
};
