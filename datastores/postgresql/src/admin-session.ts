// The guest's own sessions with its server, as the admin role over the private socket: one kept
// open for the manager's statements, and short ones for another database or a fresh backend.

import pg from 'pg';
import { ADMIN_USER } from './config.js';

const CONNECT_TIMEOUT_MS = 5_000;
/**
 * The admin session's own settings: its statements (which carry password verifiers) are never
 * logged, neither for their duration nor when they fail, and literals are read as the quoting
 * assumes.
 */
const ADMIN_SESSION = [
  'log_min_duration_statement=-1',
  'log_statement=none',
  'log_min_error_statement=panic',
  'standard_conforming_strings=on',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

/** The SQLSTATE of a server error, when error is one. */
export const pgCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export interface AdminSessionOptions {
  /** The server's socket directory (the guest's run directory) and port. */
  readonly socketDir: string;
  readonly port: number;
  /** What a failed connection is reported as: most often the server is stopped or starting. */
  readonly notReady: (cause: unknown) => Promise<Error>;
}

export class AdminSession {
  #admin: Promise<pg.Client> | undefined;

  constructor(private readonly options: AdminSessionOptions) {}

  #client(database: string): pg.Client {
    return new pg.Client({
      host: this.options.socketDir,
      port: this.options.port,
      user: ADMIN_USER,
      database,
      application_name: 'cellar-guest',
      options: ADMIN_SESSION,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
  }

  /** The one admin session, opened on first use and again after it is lost. */
  async #adminClient(): Promise<pg.Client> {
    if (this.#admin === undefined) {
      const client = this.#client('postgres');
      const connecting = client.connect().then(
        () => client,
        async (error: unknown) => {
          throw await this.options.notReady(error);
        },
      );
      const forget = (): void => {
        if (this.#admin === connecting) this.#admin = undefined;
      };
      client.on('error', forget);
      client.on('end', forget);
      connecting.catch(forget);
      this.#admin = connecting;
    }
    return this.#admin;
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin !== undefined) await admin.then((c) => c.end()).catch(() => undefined);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return (await this.#adminClient()).query<R>(sql, values);
  }

  /** Runs statements in a session of its own (another database, or a fresh fork of the server), closed after. */
  async inSession<R extends pg.QueryResultRow = pg.QueryResultRow>(
    database: string,
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = this.#client(database);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.query<R>(sql, values);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A session of its own, kept open by the caller (whatever it holds ends with it), who ends it. */
  async openSession(database: string): Promise<pg.Client> {
    const client = this.#client(database);
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw await this.options.notReady(error);
    }
    return client;
  }

  /** Schema public's privileges, where the database still has that schema. */
  async onPublicSchema(database: string, sql: string): Promise<void> {
    try {
      await this.inSession(database, sql);
    } catch (error) {
      if (pgCode(error) !== '3F000') throw error;
    }
  }
}
