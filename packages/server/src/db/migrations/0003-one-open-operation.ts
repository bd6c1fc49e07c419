// At most one open (pending or running) operation per instance, kept by the database itself: a
// partial unique index, so two requests that race to start one cannot both commit, on SQLite and
// PostgreSQL alike, whichever process (API, taskmanager) writes.

import { sql, type Kysely, type Migration } from 'kysely';

export const oneOpenOperation: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // A database written before the index may already hold a race's second operation: the newer
    // one is kept open (its request was answered last), the older ones end as interrupted.
    await sql`
      update operations
         set status = 'failed',
             error_code = 'CELLAR_OPERATION_INTERRUPTED',
             error_message = 'another operation of the instance was started at the same time',
             updated_at = ${new Date().toISOString()}
       where status in ('pending', 'running')
         and exists (
           select 1 from operations newer
            where newer.instance_id = operations.instance_id
              and newer.status in ('pending', 'running')
              and (newer.created_at > operations.created_at
                   or (newer.created_at = operations.created_at and newer.id > operations.id)))
    `.execute(db);
    await db.schema
      .createIndex('operations_one_open')
      .on('operations')
      .column('instance_id')
      .unique()
      .where(sql<boolean>`status in ('pending', 'running')`)
      .execute();
  },
};
