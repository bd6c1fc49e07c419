// The server's settings as Cellar writes them: where it listens and keeps its files, and the
// InnoDB and connection settings derived from the flavor's RAM as Trove's MySQL template does.

import type { Flavor } from './versions.js';

/** The account the guest administers the server with, over the unix socket only. */
export const ADMIN_USER = 'os_admin';
/** The account mariabackup logs in with, over the unix socket only, with a backup's privileges. */
export const BACKUP_USER = 'os_backup';
export const ROOT_USER = 'root';

export interface ServerSettings {
  readonly dataDir: string;
  readonly address: string;
  readonly port: number;
  readonly socket: string;
  readonly pidFile: string;
  readonly errorLog: string;
  /** The only directory LOAD_FILE, LOAD DATA and SELECT … INTO OUTFILE may use. */
  readonly filesDir: string;
  readonly memoryMb: number;
  /** MySQL and Percona Server know settings MariaDB refuses, and the other way round. */
  readonly flavor: Flavor;
  /** MariaDB's replication settings (replication/settings.ts): server_id, binary logs, role. */
  readonly replication?: Readonly<Record<string, string | number>>;
}

/** Settings that grow with the flavor's RAM: Trove's template's formulas, with floors for tiny flavors. */
export function memorySettings(memoryMb: number): Record<string, string | number> {
  const units = Math.max(1, Math.floor(memoryMb / 512));
  return {
    // Half the RAM for the buffer pool, as Trove; InnoDB wants at least 5 MiB.
    innodb_buffer_pool_size: `${Math.max(32, Math.floor(memoryMb / 2))}M`,
    max_connections: units * 100,
    max_allowed_packet: `${Math.max(1024, units * 1024)}K`,
    thread_cache_size: units * 4,
    table_open_cache: units * 256,
    table_definition_cache: units * 256,
    open_files_limit: units * 512,
  };
}

/** The option file mariadbd/mysqld is started with (`--defaults-file`): nothing from /etc/mysql. */
export function renderServerConfig(s: ServerSettings): string {
  const settings: Record<string, string | number | undefined> = {
    datadir: s.dataDir,
    'bind-address': s.address,
    port: s.port,
    socket: s.socket,
    'pid-file': s.pidFile,
    'log-error': s.errorLog,
    // Host patterns are matched against addresses: no DNS lookups on every connection.
    'skip-name-resolve': undefined,
    'local-infile': 0,
    // FILE (which root has) would read any host file the server's user can, and write into the
    // volume beside the server's settings and markers.
    'secure-file-priv': s.filesDir,
    // MySQL's X protocol would listen on every address (port 33060): the instance has one port.
    ...(s.flavor === 'mariadb' ? {} : { mysqlx: 'OFF' }),
    // Four-byte UTF-8 for whatever is created without a character set of its own.
    'character-set-server': 'utf8mb4',
    ...memorySettings(s.memoryMb),
    ...(s.flavor === 'mariadb' ? s.replication : {}),
  };
  const lines = Object.entries(settings).map(([key, value]) =>
    value === undefined ? key : `${key} = ${value}`,
  );
  return `# Written by Cellar's guest on every prepare: edits are lost.\n[mysqld]\n${lines.join('\n')}\n`;
}

/** The admin account's client file (as Trove's os_admin.cnf), readable by the mariadb client too. */
export function renderAdminCnf(password: string): string {
  return `[client]\nuser = ${ADMIN_USER}\npassword = ${password}\n`;
}

/** The password in an admin client file written by renderAdminCnf. */
export function parseAdminCnf(text: string): string | undefined {
  return /^password = (.*)$/m.exec(text)?.[1];
}
