// Reads the installed MariaDB's SYSTEM_VARIABLES as the live tests run it (a fresh instance in
// scratch directories, an unprivileged user, a loopback address, stopped by its PID), and the
// option names its option file takes (`--verbose --help`, which starts no server).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { liveInstance } from '../testing/live-server.js';
import type { InstalledServer } from '../versions.js';
import {
  SYSTEM_VARIABLES_SQL,
  parseHelpOptions,
  type SystemVariableRow,
} from './from-system-variables.js';

const run = promisify(execFile);

export interface ServerCatalog {
  readonly rows: SystemVariableRow[];
  readonly fileOptions: Set<string>;
}

export async function readServerCatalog(server: InstalledServer): Promise<ServerCatalog> {
  const { stdout } = await run(server.server, ['--no-defaults', '--verbose', '--help'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const fileOptions = parseHelpOptions(stdout);
  const instance = await liveInstance();
  try {
    await instance.manager.prepare({
      memoryMb: 512,
      databases: [],
      users: [],
      datastoreVersion: server.name,
    });
    const root = await instance.manager.enableRoot();
    const connection = await mysql.createConnection({
      host: instance.address,
      port: instance.port,
      user: root.name,
      password: root.password ?? '',
    });
    try {
      const [rows] = await connection.query(SYSTEM_VARIABLES_SQL);
      return { rows: rows as SystemVariableRow[], fileOptions };
    } finally {
      await connection.end();
    }
  } finally {
    await instance.dispose();
  }
}
