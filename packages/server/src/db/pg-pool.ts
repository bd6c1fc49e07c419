// The PostgreSQL pool the control database runs on: pg's, with one difference. A pooled idle
// connection that PostgreSQL ended (a restart, pg_terminate_backend) is found out only when the
// next query on it fails; that first query of a checkout ran nothing, so it runs once more on a
// fresh connection instead of failing a user's request.

import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * What PostgreSQL says to the sessions it ends (admin_shutdown, crash_shutdown,
 * cannot_connect_now). It says so only between statements, so a statement that meets it ran
 * nothing. A socket that died under a statement ("Connection terminated") is not one of these:
 * that statement may have committed, and running it again could do it twice.
 */
const ENDED_CODES = new Set(['57P01', '57P02', '57P03']);

export function isEndedConnection(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && ENDED_CODES.has(code);
}

/**
 * Wraps pg's pool for Kysely. Only the first statement after a checkout is tried again: it is
 * either a statement of its own or a transaction's BEGIN, and a session PostgreSQL ended has
 * committed nothing of it. A later statement in the same checkout may belong to a transaction
 * whose earlier work is gone with the session, so its failure is the caller's to see.
 */
export function resilientPool(pool: pg.Pool): PostgresPool {
  return {
    end: () => pool.end(),
    async connect(): Promise<PostgresPoolClient> {
      let client = await pool.connect();
      let first = true;
      // Between giving the ended connection back and getting another, there is nothing to
      // release: a failed connect must not make Kysely's release throw over the real error.
      let held = true;
      const query = async <R>(
        sql: string,
        parameters: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> => {
        const retry = first;
        first = false;
        try {
          return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
        } catch (error) {
          if (!retry || !isEndedConnection(error)) throw error;
          client.release(true);
          held = false;
          client = await pool.connect();
          held = true;
          return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
        }
      };
      return {
        query: query as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          if (held) client.release(destroy);
          held = false;
        },
      };
    },
  };
}
