// Opens the control database named by `[database] connection`: SQLite through better-sqlite3 (the
// embedded default) or PostgreSQL through pg, behind one Kysely interface, and migrates it.

import { mkdirSync } from 'node:fs';
import { inspect } from 'node:util';
import { dirname, isAbsolute, resolve } from 'node:path';
import { chmodSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type MigrationProvider,
} from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import { resilientPool } from './pg-pool.js';
import type { Database } from './schema.js';

export interface ControlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgresql';
  /** Where it is, with any password masked: for logs and start-up messages. */
  readonly description: string;
  /**
   * A value that differs from every earlier one once anything readable in the database has
   * changed, whichever process changed it: what lets a process keep what it read. Read it before
   * the data it stands for, so that the data is never older than its stamp.
   */
  readonly changeStamp: () => Promise<string>;
  close(): Promise<void>;
}

export type ConnectionSpec =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgresql'; readonly url: string };

/**
 * Reads a connection URL the way SQLAlchemy (and so Trove's configuration) writes it:
 * `sqlite:///relative.sqlite` (relative to `base`), `sqlite:////absolute.sqlite`, `sqlite://` or
 * `sqlite:///:memory:` for memory, `postgresql://user:password@host:port/database` (a
 * `postgresql+driver://` prefix is accepted). Anything else is an error naming what is accepted.
 */
export function parseConnection(connection: string, base: string): ConnectionSpec {
  if (connection === 'sqlite://' || connection === 'sqlite:///:memory:')
    return { dialect: 'sqlite', path: ':memory:' };
  if (connection.startsWith('sqlite:///')) {
    const rest = connection.slice('sqlite:///'.length);
    return { dialect: 'sqlite', path: isAbsolute(rest) ? rest : resolve(base, rest) };
  }
  const pgMatch = /^postgres(?:ql)?(?:\+\w+)?:\/\//.exec(connection);
  if (pgMatch)
    return { dialect: 'postgresql', url: connection.replace(pgMatch[0], 'postgresql://') };
  throw new Error(
    `[database] connection '${connection.replace(/:[^:@/]*@/, ':****@')}' is not a database Cellar can use: expected sqlite:///path, sqlite:////absolute/path or postgresql://user:password@host:port/database`,
  );
}

const STATEMENT_CACHE = 512;

/**
 * Kysely's SQLite driver prepares every statement anew; the same few query shapes run again and
 * again, so prepared statements are kept by their SQL (bounded). Kysely runs one query at a time
 * per connection, so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (sql: string): SQLite.Statement => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE) cache.clear();
      statement = sqlite.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/**
 * SQLite: data_version changes when another connection (this process's or another's) commits,
 * and total_changes() counts the rows this connection has changed, even in rolled-back
 * transactions. Together they change with every write anyone makes. The statement runs on the
 * driver directly, not behind Kysely's one-query-at-a-time lock: it is synchronous and reads
 * nothing but counters, and inside a transaction of this connection it counts that
 * transaction's changes too, which only makes the stamp move early.
 */
function sqliteStampReader(sqlite: SQLite.Database): () => Promise<string> {
  const statement = sqlite
    .prepare("select (select data_version from pragma_data_version()) || ':' || total_changes()")
    .pluck();
  return async () => String(statement.get());
}

/**
 * PostgreSQL: what a statement sees is decided by its snapshot alone (the oldest transaction
 * still running, the next transaction id, those in progress). The same snapshot means the same
 * committed data; any write that commits changes every later one.
 */
const postgresStamp = CompiledQuery.raw(
  'select pg_current_snapshot()::text as stamp',
) as CompiledQuery<{ stamp: string }>;

function postgresStampReader(db: Kysely<Database>): () => Promise<string> {
  return async () => {
    const row = (await db.executeQuery(postgresStamp)).rows[0];
    if (row === undefined) throw new Error('the control database returned no change stamp');
    return String(row.stamp);
  };
}

const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };

export async function openDatabase(spec: ConnectionSpec): Promise<ControlDatabase> {
  if (spec.dialect === 'sqlite') {
    if (spec.path !== ':memory:') mkdirSync(dirname(spec.path), { recursive: true });
    const sqlite = new SQLite(spec.path);
    // It holds password hashes and sealed keys: only Cellar's own user may read it (SQLite gives
    // its -wal and -shm files the same mode).
    if (spec.path !== ':memory:') chmodSync(spec.path, 0o600);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    // What is erased (an operation's sealed secrets, the passwords earlier versions left) is
    // overwritten on disk, not left in free pages for a copy of the file to give away.
    sqlite.pragma('secure_delete = ON');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    return {
      db,
      dialect: 'sqlite',
      description: `SQLite ${spec.path}`,
      changeStamp: sqliteStampReader(sqlite),
      close: () => db.destroy(),
    };
  }
  const pool = new pg.Pool({ connectionString: spec.url, max: 10 });
  // An idle connection that PostgreSQL ends (a restart, a fast shutdown, an administrator's
  // pg_terminate_backend) is reported here; the pool has already dropped it and the next query
  // opens another, so it must not become an uncaught exception that ends the whole service.
  // A server that stays away shows in the queries that fail; a query that meets a connection
  // ended while idle runs again on a fresh one (pg-pool.ts).
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: resilientPool(pool) }) });
  const url = new URL(spec.url);
  return {
    db,
    dialect: 'postgresql',
    description: `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`,
    changeStamp: postgresStampReader(db),
    close: () => db.destroy(),
  };
}

/** Applies every migration not applied yet; returns the names applied now. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) {
    throw new Error(
      `migrating the control database failed${failed ? ` at ${failed.migrationName}` : ''}: ${error instanceof Error ? error.message : inspect(error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
