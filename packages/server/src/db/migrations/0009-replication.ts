// Replication: which instance follows which (Trove's slave_of_id, here its own table with the
// seed the replica was made from), each guest's last replication state from its heartbeat, the
// sources fenced by an automatic failover, and a detail per operation step (the lag at promotion).

import type { Kysely, Migration } from 'kysely';

export const replication: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('replicas')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('synchronous', 'integer', (c) => c.notNull().defaultTo(0))
      // The backup the replica was seeded from, and the source's answer (sealed: it has a password).
      .addColumn('backup_id', 'varchar(64)')
      .addColumn('snapshot', 'text')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('replicas_by_source').on('replicas').column('source_id').execute();
    await db.schema
      .createTable('replication_states')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('replication_fences')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('successor_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('fenced_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('rejoined_at', 'varchar(32)')
      .execute();
    await db.schema.alterTable('operation_steps').addColumn('detail', 'text').execute();
  },
};
