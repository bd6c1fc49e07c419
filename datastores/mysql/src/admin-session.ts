// The guest's own session with its server: the admin account over the unix socket, opened on first
// use and again after it is lost. Its statements are kept out of the server's logs.

import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { ADMIN_USER } from './config.js';
import type { Flavor } from './versions.js';

const CONNECT_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** A mode without NO_BACKSLASH_ESCAPES: mysql2's placeholders escape backslashes as this expects. */
const SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
/** long_query_time's largest value, a year: no statement of the session is slow enough to log. */
const NEVER_SLOW_S = 31_536_000;
/** Statements that examine fewer rows are not logged as slow nor as not using indexes. */
const MANY_ROWS = 4_294_967_295;

/**
 * What keeps the session's statements, which carry passwords, out of every log root can turn on:
 * the general log (sql_log_off) and the slow query log, even with long_query_time 0. MariaDB has a
 * session switch for the slow log; MySQL's is global only, so there no statement is slow enough.
 */
export function unloggedSession(flavor: Flavor): readonly string[] {
  return [
    'SET SESSION sql_log_off = 1',
    ...(flavor === 'mariadb' ? ['SET SESSION slow_query_log = 0'] : []),
    `SET SESSION long_query_time = ${NEVER_SLOW_S}`,
    `SET SESSION min_examined_row_limit = ${MANY_ROWS}`,
  ];
}

/** The server's error name (`ER_DB_CREATE_EXISTS`, …), when error is one. */
export const sqlCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export type Row = Record<string, unknown>;

export interface AdminSessionOptions {
  readonly socket: string;
  /** The server's flavor: which session settings it knows. */
  readonly flavor: () => Flavor;
  /** The admin password, read when a connection is opened (it exists once the server has it). */
  readonly password: () => Promise<string>;
  /** What a failed connection is reported as: most often the server is stopped or starting. */
  readonly notReady: (cause: unknown) => Promise<Error>;
}

export class AdminSession {
  #admin: Promise<mysql.Connection> | undefined;

  constructor(private readonly options: AdminSessionOptions) {}

  /** A new connection of the admin account, its session set up for the guest's statements. */
  async connect(): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      socketPath: this.options.socket,
      user: ADMIN_USER,
      password: await this.options.password(),
      connectTimeout: CONNECT_TIMEOUT_MS,
      charset: 'utf8mb4_general_ci',
      multipleStatements: false,
    });
    connection.on('error', () => undefined);
    try {
      await connection.query('SET SESSION sql_mode = ?', [SQL_MODE]);
      for (const statement of unloggedSession(this.options.flavor()))
        await connection.query(statement);
    } catch (error) {
      await connection.end().catch(() => undefined);
      throw error;
    }
    return connection;
  }

  async #adminConnection(): Promise<mysql.Connection> {
    if (this.#admin === undefined) {
      const connecting = this.connect().catch(async (error: unknown) => {
        throw await this.options.notReady(error);
      });
      const forget = (): void => {
        if (this.#admin === connecting) this.#admin = undefined;
      };
      connecting.then((c) => {
        c.on('error', forget);
        c.on('end', forget);
      }, forget);
      this.#admin = connecting;
    }
    return this.#admin;
  }

  /**
   * Ends the admin connection. end() waits for the statements queued before it, so one the
   * server never answers would hold a stop or restart forever: after a while it is destroyed.
   */
  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin === undefined) return;
    const ended = admin
      .then((c) => c.end())
      .then(
        () => true,
        () => true,
      );
    const late = sleep(CLOSE_TIMEOUT_MS, false, { ref: false });
    // Not awaited: a connection still being opened may never settle either.
    if (!(await Promise.race([ended, late])))
      void admin.then(
        (c) => c.destroy(),
        () => undefined,
      );
  }

  /** A statement with its literals as placeholders; answers the rows of a SELECT. */
  async query<R extends Row = Row>(sql: string, values: readonly unknown[] = []): Promise<R[]> {
    const connection = await this.#adminConnection();
    try {
      const [rows] = await connection.query(sql, [...values] as (string | number | null)[]);
      return Array.isArray(rows) ? (rows as R[]) : [];
    } catch (error) {
      // A lost connection is opened again by the next statement.
      if (sqlCode(error)?.startsWith('ER_') !== true) await this.close();
      throw error;
    }
  }
}
