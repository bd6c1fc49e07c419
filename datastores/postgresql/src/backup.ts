// The `pg_basebackup` backup strategy (entry point `./backup`, namespace cellar.backup.strategy):
// a full backup is pg_basebackup's tar, an incremental the WAL archived since its parent.

import { defineBackupStrategy } from '@cellar/plugin-api';
import { fullBackup } from './backup-full.js';
import { incrementalBackup } from './backup-incremental.js';
import type { PostgresqlManager } from './guest.js';

export default defineBackupStrategy<PostgresqlManager>({
  name: 'pg_basebackup',
  datastore: 'postgresql',
  incremental: true,
  async backup(run) {
    const host = run.manager.backupHost;
    return run.backup.parent === undefined ? fullBackup(run, host) : incrementalBackup(run, host);
  },
});
