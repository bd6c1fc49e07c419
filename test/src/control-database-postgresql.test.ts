// The control-database suite on a real PostgreSQL that the test starts itself on loopback.
import { after, before } from 'node:test';
import { openDatabase } from '@cellar/server';
import { runControlDatabaseSuite, startPostgres, type PostgresServer } from '@cellar/server/testing';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

runControlDatabaseSuite('PostgreSQL (pg)', () => openDatabase({ dialect: 'postgresql', url: server.url }));
