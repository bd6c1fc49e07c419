// Which taskmanager holds an open operation, and until when: a taskmanager claims an operation
// before it runs it and renews the lease while it does, so a peer (or one restarted) takes over
// only an operation whose lease expired, never one a live taskmanager is running.

import type { Kysely, Migration } from 'kysely';

export const operationLeases: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('operations').addColumn('claimed_by', 'varchar(64)').execute();
    await db.schema.alterTable('operations').addColumn('lease_until', 'varchar(32)').execute();
  },
};
