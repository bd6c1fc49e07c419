// Reads pg_settings from the installed PostgreSQL as the live tests run it: a fresh instance in
// scratch directories under /tmp, an unprivileged user, a loopback port, stopped by its PID.

import pg from 'pg';
import { ADMIN_USER } from '../config.js';
import { liveInstance } from '../testing/live-server.js';
import { PG_SETTINGS_SQL, type PgSettingRow } from './from-pg-settings.js';

/** Every row of pg_settings of a server of `version` started for the purpose. */
export async function readPgSettings(version: string): Promise<PgSettingRow[]> {
  const server = await liveInstance();
  try {
    await server.manager.prepare({
      memoryMb: 512,
      databases: [],
      users: [],
      datastoreVersion: version,
    });
    const client = new pg.Client({
      host: server.runDir,
      port: server.port,
      user: ADMIN_USER,
      database: 'postgres',
    });
    await client.connect();
    try {
      return (await client.query<PgSettingRow>(PG_SETTINGS_SQL)).rows;
    } finally {
      await client.end();
    }
  } finally {
    await server.dispose();
  }
}
