// The gauges a PostgreSQL guest's heartbeat carries: connections and transactions per second
// from pg_stat_database, and the memory the postmaster and its backends hold.

import { CounterRate, type GuestMetrics } from '@cellar/plugin-api';
import { serverMemoryBytes } from '@cellar/plugin-api/processes';
import type { AdminSession } from './admin-session.js';
import type { DataDirectory } from './data-directory.js';
import type { ServerProcess } from './server-process.js';

export interface MetricsHost {
  readonly files: DataDirectory;
  readonly sql: AdminSession;
  readonly server: ServerProcess;
}

/** Reads the gauges; one per manager, since the transaction rate is between two heartbeats. */
export class PgMetrics {
  readonly #transactions = new CounterRate();

  constructor(private readonly host: MetricsHost) {}

  /** Undefined while the server is not prepared or not running: there is nothing to measure. */
  async read(): Promise<GuestMetrics | undefined> {
    const running = this.host.files.prepared ? this.host.server.running() : undefined;
    if (running === undefined) return undefined;
    // Across every database: a session in any of them is a connection to the instance.
    const { rows } = await this.host.sql.query<{ connections: number; transactions: number }>(
      `SELECT coalesce(sum(numbackends), 0)::float8 AS connections,
              coalesce(sum(xact_commit + xact_rollback), 0)::float8 AS transactions
         FROM pg_stat_database`,
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const rate = this.#transactions.observe(row.transactions);
    const memory = await serverMemoryBytes(running.pid);
    return {
      connections: row.connections,
      ...(rate === undefined ? {} : { transactions_per_second: rate }),
      ...(memory === undefined ? {} : { memory_bytes: memory }),
    };
  }
}
