// Backups and restores of every datastore through the API on the local storage (a directory), on
// real instances of the local compute driver: the scenario of support/backup-scenario.ts.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { backupScenarios } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const storage = await mkdtemp(join(tmpdir(), 'cellar-backups-'));
// Guests run as users of their own when the tests run as root: they pass through to their project's.
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
  'mysql.usage_timeout=120',
]);

backupScenarios(local, 'local', noPostgresql);
