// What an administrator decides about datastore versions through the management API, kept apart
// from what the host offers: the catalog sync at every start rewrites `active` and the default
// from the plugins' catalogs, so an operator's choice needs columns of its own to survive it.

import type { Kysely, Migration } from 'kysely';

export const mgmt: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // 1: an administrator disabled the version; it stays inactive whatever the host offers.
    await db.schema
      .alterTable('datastore_versions')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // 1: an administrator chose default_version_id; it stays while that version is active.
    await db.schema
      .alterTable('datastores')
      .addColumn('default_chosen', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
