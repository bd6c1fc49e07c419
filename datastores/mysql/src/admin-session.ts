// The guest's own session with its server: the admin account over the unix socket, opened on first
// use and again after it is lost. Its statements are kept out of the server's logs.

import mysql from 'mysql2/promise';
import { ADMIN_USER } from './config.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** A mode without NO_BACKSLASH_ESCAPES: mysql2's placeholders escape backslashes as this expects. */
const SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

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
      // Passwords travel in these statements: no general log of them.
      await connection.query('SET SESSION sql_log_off = 1');
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

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin !== undefined) await admin.then((c) => c.end()).catch(() => undefined);
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
