// The control-database suite on a real PostgreSQL that the test starts itself on loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '@cellar/server';
import {
  runControlDatabaseSuite,
  startPostgres,
  type PostgresServer,
} from '@cellar/server/testing';
import { waitFor } from './support/wait-for.js';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

runControlDatabaseSuite('PostgreSQL (pg)', () =>
  openDatabase({ dialect: 'postgresql', url: server.url }),
);

test('an idle connection that PostgreSQL ends is replaced, and the service goes on', async () => {
  const control = await openDatabase({ dialect: 'postgresql', url: server.url });
  const admin = await openDatabase({ dialect: 'postgresql', url: server.url });
  try {
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(control.db);
    const pid = rows[0]?.pid;
    assert.ok(pid !== undefined);
    // What a restart of PostgreSQL or an administrator's pg_terminate_backend does to an idle
    // pooled connection: without a handler, the pool's 'error' event would end the process.
    await sql`SELECT pg_terminate_backend(${pid})`.execute(admin.db);
    await waitFor(
      async () =>
        (
          await sql<{
            n: string;
          }>`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`.execute(admin.db)
        ).rows[0]?.n === '0',
      { timeout: 5_000, what: `PostgreSQL to end backend ${pid}` },
    );
    const again = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(control.db);
    assert.notEqual(again.rows[0]?.pid, pid);
  } finally {
    await control.close();
    await admin.close();
  }
});
