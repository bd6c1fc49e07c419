// Reading backup records: one of a project's backups, the one an operation takes, the chain an
// incremental builds on (as the guest is told of it), and the incrementals built on a backup.

import type { ProjectScope } from '../policy/admin-context.js';
import type { Kysely } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { NotFound, type BackupInfo, type Json } from '@cellar/plugin-api';
import type { Backup, Database } from '../db/schema.js';

/**
 * Backup `id` within `scope` (a project, or every project for an admin), not deleted; 404
 * otherwise (another project's is none).
 */
export async function loadBackup(
  db: Kysely<Database>,
  scope: ProjectScope,
  id: string,
): Promise<Backup> {
  let query = db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (scope !== undefined) query = query.where('tenant_id', '=', scope);
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Backup', id });
  return row;
}

/** What the backup operation records: the backup it takes. */
const backupOperationRequest = Type.Object({ backupId: Type.String() });
export type BackupOperationRequest = Static<typeof backupOperationRequest>;

/** The backup a backup operation takes, read back from its stored request. */
export function backupIdOf(operation: { readonly id: string; readonly request: string }): string {
  const request: unknown = JSON.parse(operation.request);
  if (!Value.Check(backupOperationRequest, request))
    throw new Error(`operation ${operation.id} does not name the backup it takes`);
  return request.backupId;
}

/** The strategy's facts kept on the record, as the guest gets them back. */
export const metaOf = (row: Pick<Backup, 'meta'>): Readonly<Record<string, Json>> =>
  JSON.parse(row.meta) as Record<string, Json>;

/** One backup as the guest is told of it: where it is and what it holds, without its parent. */
export function pieceOf(row: Backup): BackupInfo {
  return {
    id: row.id,
    project: row.tenant_id,
    storage: row.storage,
    key: row.object_key,
    type: row.strategy,
    instanceId: row.instance_id,
    meta: metaOf(row),
    ...(row.location === null ? {} : { location: row.location }),
    ...(row.compression === null ? {} : { compression: row.compression }),
    ...(row.checksum === null ? {} : { checksum: row.checksum }),
    ...(row.size === null ? {} : { size: row.size }),
  };
}

/**
 * The backup `id` with `parent` links down to the full backup it builds on: what an incremental
 * backup and a restore are given. Every link is read, in order, from the top.
 */
export async function backupChain(db: Kysely<Database>, id: string): Promise<BackupInfo> {
  const top = await db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!top) throw new NotFound({ resource: 'Backup', id });
  return chainInfo(await chainRows(db, top));
}

/** Rows of a chain, the top first, as nested BackupInfo. */
export function chainInfo(rows: readonly Backup[]): BackupInfo {
  let info: BackupInfo | undefined;
  for (const row of [...rows].reverse())
    info = { ...pieceOf(row), ...(info === undefined ? {} : { parent: info }) };
  if (info === undefined) throw new Error('a backup chain has at least one backup');
  return info;
}

/** The rows of a chain, the top first: the backup and each ancestor down to its full backup. */
export async function chainRows(db: Kysely<Database>, top: Backup): Promise<Backup[]> {
  const rows = [top];
  for (let parent = top.parent_id; parent !== null;) {
    const row = await db
      .selectFrom('backups')
      .selectAll()
      .where('id', '=', parent)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new NotFound({ resource: 'Backup', id: parent });
    if (rows.some((r) => r.id === row.id)) throw new Error(`backup ${row.id} is its own ancestor`);
    rows.push(row);
    parent = row.parent_id;
  }
  return rows;
}

/** `id` and every incremental built on it, children before their parents: the order to delete. */
export async function descendantsFirst(db: Kysely<Database>, root: Backup): Promise<Backup[]> {
  const children = await db
    .selectFrom('backups')
    .selectAll()
    .where('parent_id', '=', root.id)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  const order: Backup[] = [];
  for (const child of children) order.push(...(await descendantsFirst(db, child)));
  order.push(root);
  return order;
}
