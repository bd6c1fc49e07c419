// Each instance's gauges from its heartbeats, one row per gauge and minute: the sum of the minute's
// readings and their count, so a minute shows their mean. Rows older than a day are pruned
// (metrics/store.ts); the index on the minute keeps that pruning from reading the whole table.

import type { Kysely, Migration } from 'kysely';

export const metrics: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('instance_metrics')
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      // Whole minutes since the Unix epoch.
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('total', 'double precision', (c) => c.notNull())
      .addColumn('samples', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('instance_metrics_pk', ['instance_id', 'name', 'minute'])
      .execute();
    await db.schema
      .createIndex('instance_metrics_by_minute')
      .on('instance_metrics')
      .column('minute')
      .execute();
  },
};
