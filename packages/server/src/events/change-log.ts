// Reading the change log that migration 0012-events fills by triggers (that migration says why
// triggers and how the order holds on PostgreSQL): the changes after a cursor, and pruning.

import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { now, type Database } from '../db/schema.js';
import { ORIGIN, type EventCursor } from './cursor.js';

export type EventKind = 'instance' | 'operation' | 'backup';

export interface Change {
  readonly cursor: EventCursor;
  readonly project: string;
  readonly kind: EventKind;
  readonly resource: string;
}

export interface ChangeQuery {
  /** Only this project's changes; every project's when absent. */
  readonly project?: string;
  /** Only changes up to this one (included). */
  readonly upTo?: EventCursor;
  readonly limit: number;
}

export class ChangeLog {
  readonly #sqlite: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.#sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /**
   * Rows every reader may take: on PostgreSQL only those of transactions older than any still
   * running, so that no row can later appear before one already read.
   */
  #settled() {
    let query = this.db.selectFrom('events');
    if (!this.#sqlite)
      query = query.where(
        'tx',
        '<',
        sql<number>`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`,
      );
    return query;
  }

  /** The newest settled change; ORIGIN when there is none. */
  async head(): Promise<EventCursor> {
    const row = await this.#settled()
      .select(['tx', 'seq'])
      .orderBy('tx', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? ORIGIN : { tx: Number(row.tx), seq: Number(row.seq) };
  }

  /** Settled changes after `after`, oldest first. */
  async after(after: EventCursor, query: ChangeQuery): Promise<Change[]> {
    let select = this.#settled()
      .select(['tx', 'seq', 'project_id', 'kind', 'resource_id'])
      .where((eb) =>
        eb.or([
          eb('tx', '>', after.tx),
          eb.and([eb('tx', '=', after.tx), eb('seq', '>', after.seq)]),
        ]),
      );
    if (query.project !== undefined) select = select.where('project_id', '=', query.project);
    const upTo = query.upTo;
    if (upTo !== undefined)
      select = select.where((eb) =>
        eb.or([
          eb('tx', '<', upTo.tx),
          eb.and([eb('tx', '=', upTo.tx), eb('seq', '<=', upTo.seq)]),
        ]),
      );
    const rows = await select.orderBy('tx').orderBy('seq').limit(query.limit).execute();
    return rows.map((r) => ({
      cursor: { tx: Number(r.tx), seq: Number(r.seq) },
      project: r.project_id,
      kind: r.kind,
      resource: r.resource_id,
    }));
  }

  /** Whether the change at `cursor` is still kept (it is gone once pruned). */
  async has(cursor: EventCursor): Promise<boolean> {
    const row = await this.db
      .selectFrom('events')
      .select('seq')
      .where('tx', '=', cursor.tx)
      .where('seq', '=', cursor.seq)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Writes changes no trigger sees (a state that follows from time passing). On PostgreSQL they
   * carry this transaction's id, as a trigger's rows do, to keep their place in the order.
   */
  async record(changes: readonly Omit<Change, 'cursor'>[]): Promise<void> {
    if (changes.length === 0) return;
    const tx = this.#sqlite ? sql<number>`0` : sql<number>`pg_current_xact_id()::text::bigint`;
    const at = now();
    await this.db
      .insertInto('events')
      .values(
        changes.map((c) => ({
          tx,
          project_id: c.project,
          kind: c.kind,
          resource_id: c.resource,
          at,
        })),
      )
      .execute();
  }

  /** Forgets changes made before `before` (ISO time). */
  async prune(before: string): Promise<void> {
    await this.db.deleteFrom('events').where('at', '<', before).execute();
  }
}
