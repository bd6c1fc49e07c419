// The gauges a MariaDB guest's heartbeat carries: Threads_connected, statements per second from
// Questions (with autocommit each is its own transaction) and the server process's memory.

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

/**
 * Reads the gauges; one per manager, since the rate is between two heartbeats. Com_commit counts
 * only explicit COMMITs, and stays 0 for clients in autocommit (most), so Questions is the
 * counter that moves with the work, as xact_commit does on PostgreSQL for every statement.
 */
export class MariadbMetrics {
  readonly #transactions = new CounterRate();

  constructor(private readonly host: MetricsHost) {}

  /** Undefined while the server is not prepared or not running: there is nothing to measure. */
  async read(): Promise<GuestMetrics | undefined> {
    const pid = this.host.files.prepared ? this.host.server.running() : undefined;
    if (pid === undefined) return undefined;
    const rows = await this.host.sql.query<{ Variable_name: string; Value: string }>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Questions')",
    );
    const status = new Map(rows.map((row) => [row.Variable_name, Number(row.Value)]));
    const connections = status.get('Threads_connected');
    const questions = status.get('Questions');
    const rate = questions === undefined ? undefined : this.#transactions.observe(questions);
    const memory = await serverMemoryBytes(pid);
    return {
      ...(connections === undefined ? {} : { connections }),
      ...(rate === undefined ? {} : { transactions_per_second: rate }),
      ...(memory === undefined ? {} : { memory_bytes: memory }),
    };
  }
}
