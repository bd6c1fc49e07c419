// What backups may have left in their storage: a row per backup whose stored parts could not all
// be removed (the storage was unreachable when it failed, or refused its delete), which the
// taskmanager's sweeper claims, one taskmanager at a time, until nothing is left under its key;
// and the deleted instances whose continuous archive (WAL) the sweeper removed for good.

import type { Kysely, Migration } from 'kysely';

export const backupLeftovers: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('backup_leftovers')
      .addColumn('backup_id', 'varchar(64)', (c) => c.primaryKey())
      // When the removal was first attempted and did not finish.
      .addColumn('since', 'varchar(32)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      // The taskmanager whose sweeper holds it, and until when; a lapsed claim is taken over.
      .addColumn('swept_by', 'varchar(64)')
      .addColumn('sweep_until', 'varchar(32)')
      .execute();
    // Once an instance is gone with no full backup left, its archive goes and nothing refills it.
    await db.schema
      .createTable('archives_removed')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('removed_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
};
