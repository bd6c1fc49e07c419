// The change log behind the event stream (GET /v1.0/{project}/events): one row per change of an
// instance, an operation or a backup, written by triggers in the same transaction as the change.
//
// Why triggers and not the alternatives:
// - Writing a row from the code that changes things would mean touching every writer (API,
//   taskmanager, conductor, sweepers, management API) and trusting every future one to remember.
//   A trigger sees every write, whichever process makes it, and commits or rolls back with it.
// - Deriving the stream from `updated_at` columns would miss what has no such column (a step of an
//   operation, a heartbeat's new service status, a fault) and tie order to wall clocks that
//   differ between processes; a change in the same millisecond needs a tiebreak no column gives.
// Deletions are seen because instances and backups are soft-deleted (`deleted_at` set by an
// update); the stream reads the resource's current state and reports `deleted` when it is gone.
//
// The order: `seq` grows with every row. SQLite writes one transaction at a time, so seq order is
// commit order. PostgreSQL numbers rows when they are written, not when they commit, so a reader
// could see seq 11 before seq 10 commits; each row therefore keeps its transaction id (`tx`), and
// readers take only rows of transactions older than every one still running (the snapshot's xmin),
// in (tx, seq) order: a row that becomes visible later always sorts after what was read.
// Heartbeats that only say the same status again write no row (the service-status trigger asks
// for a different status), nor do lease renewals of an operation (its trigger asks for a new
// status or updated_at). A guest whose heartbeats stop changes what clients see with no write at
// all; the API records that change itself while streams are open (events/silence-watch.ts). Rows
// older than a day are pruned by the API (events/event-streams.ts).

import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

interface Trigger {
  readonly table: string;
  readonly on: 'insert' | 'update' | 'delete';
  /** Tells apart two triggers of one table and event. */
  readonly side?: string;
  /** Which updates count; `old` and `new` as in SQL. */
  readonly when?: string;
  readonly kind: 'instance' | 'operation' | 'backup';
  readonly resource: string;
  /** The project, as an expression over `new` or `old` (subqueries allowed). */
  readonly project: string;
}

const instanceProject = (column: string): string =>
  `(select tenant_id from instances where id = ${column})`;
const operationProject = `(select i.tenant_id from operations o join instances i on i.id = o.instance_id where o.id = new.operation_id)`;

const triggers: readonly Trigger[] = [
  {
    table: 'instances',
    on: 'insert',
    kind: 'instance',
    resource: 'new.id',
    project: 'new.tenant_id',
  },
  {
    table: 'instances',
    on: 'update',
    kind: 'instance',
    resource: 'new.id',
    project: 'new.tenant_id',
  },
  {
    table: 'service_statuses',
    on: 'update',
    when: 'old.status <> new.status',
    kind: 'instance',
    resource: 'new.instance_id',
    project: instanceProject('new.instance_id'),
  },
  {
    table: 'instance_faults',
    on: 'insert',
    kind: 'instance',
    resource: 'new.instance_id',
    project: instanceProject('new.instance_id'),
  },
  {
    table: 'operations',
    on: 'insert',
    kind: 'operation',
    resource: 'new.id',
    project: instanceProject('new.instance_id'),
  },
  {
    table: 'operations',
    on: 'update',
    when: 'old.status <> new.status or old.updated_at <> new.updated_at',
    kind: 'operation',
    resource: 'new.id',
    project: instanceProject('new.instance_id'),
  },
  {
    table: 'operation_steps',
    on: 'insert',
    kind: 'operation',
    resource: 'new.operation_id',
    project: operationProject,
  },
  {
    table: 'operation_steps',
    on: 'update',
    kind: 'operation',
    resource: 'new.operation_id',
    project: operationProject,
  },
  // A replica's link shows on both instances (the source's `replicas`, the replica's `replica_of`).
  ...(['insert', 'delete'] as const).flatMap((on) =>
    (['source_id', 'instance_id'] as const).map((column): Trigger => ({
      table: 'replicas',
      on,
      side: column === 'source_id' ? 'source' : 'replica',
      kind: 'instance',
      resource: `${on === 'insert' ? 'new' : 'old'}.${column}`,
      project: instanceProject(`${on === 'insert' ? 'new' : 'old'}.${column}`),
    })),
  ),
  { table: 'backups', on: 'insert', kind: 'backup', resource: 'new.id', project: 'new.tenant_id' },
  { table: 'backups', on: 'update', kind: 'backup', resource: 'new.id', project: 'new.tenant_id' },
];

const name = (t: Trigger): string => `events_${t.table}_${t.on}${t.side ? `_${t.side}` : ''}`;

function sqliteTrigger(t: Trigger): string {
  return `create trigger ${name(t)} after ${t.on} on ${t.table} for each row
    ${t.when === undefined ? '' : `when ${t.when}`}
    begin
      insert into events (tx, project_id, kind, resource_id, at)
      select 0, p, '${t.kind}', ${t.resource}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        from (select ${t.project} as p) where p is not null;
    end`;
}

function postgresTrigger(t: Trigger): string[] {
  return [
    `create function ${name(t)}() returns trigger language plpgsql as $$
     begin
       insert into events (tx, project_id, kind, resource_id, at)
       select pg_current_xact_id()::text::bigint, p, '${t.kind}', ${t.resource},
              to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         from (select ${t.project} as p) project where p is not null;
       return null;
     end $$`,
    `create trigger ${name(t)} after ${t.on} on ${t.table} for each row
     ${t.when === undefined ? '' : `when (${t.when})`} execute function ${name(t)}()`,
  ];
}

export const events: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    await db.schema
      .createTable('events')
      .addColumn('seq', sqlite ? 'integer' : 'bigserial', (c) =>
        sqlite ? c.primaryKey().autoIncrement() : c.primaryKey(),
      )
      .addColumn('tx', 'bigint', (c) => c.notNull())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_order').on('events').columns(['tx', 'seq']).execute();
    await db.schema.createIndex('events_at').on('events').column('at').execute();
    for (const t of triggers) {
      for (const statement of sqlite ? [sqliteTrigger(t)] : postgresTrigger(t))
        await sql.raw(statement).execute(db);
    }
  },
};
