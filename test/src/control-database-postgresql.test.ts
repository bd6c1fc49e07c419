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

test('an idle connection that PostgreSQL ends is replaced, and the next query goes on at once', async () => {
  const control = await openDatabase({ dialect: 'postgresql', url: server.url });
  const admin = await openDatabase({ dialect: 'postgresql', url: server.url });
  try {
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(control.db);
    const pid = rows[0]?.pid;
    assert.ok(pid !== undefined);
    // What a restart of PostgreSQL or an administrator's pg_terminate_backend does to an idle
    // pooled connection: without a handler, the pool's 'error' event would end the process.
    // The next query comes at once, as a user's request would: before or after the pool has
    // noticed, it must be answered (the session it meets has run nothing of it).
    await sql`SELECT pg_terminate_backend(${pid})`.execute(admin.db);
    const again = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(control.db);
    assert.notEqual(again.rows[0]?.pid, pid);
    // And a transaction's first statement is tried again too, never a later one.
    const { rows: inside } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(
      control.db,
    );
    await sql`SELECT pg_terminate_backend(${inside[0]?.pid})`.execute(admin.db);
    const total = await control.db.transaction().execute(async (trx) => {
      const { rows: n } = await sql<{ n: number }>`SELECT 1 AS n`.execute(trx);
      return n[0]?.n;
    });
    assert.equal(total, 1);
  } finally {
    await control.close();
    await admin.close();
  }
});
