// Backups and restores of every datastore through the API on the Swift storage: a Swift
// all-in-one on loopback with tempauth, each project's backups in its own account as Trove keeps
// them; the scenario of support/backup-scenario.ts on real instances of the local compute driver.

import { after } from 'node:test';
import { ensureSwift, startSwiftAio, type SwiftAio } from '@cellar/backup-storage-swift/testing';
import { backupScenarios } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const skip = noPostgresql || (ensureSwift() ?? false);
let aio: Promise<SwiftAio> | undefined;
after(async () => {
  await (await aio)?.stop();
});

const local = localCellarOfFile(skip, async () => {
  aio = startSwiftAio();
  const swift = await aio;
  return [
    'DEFAULT.backup_storage=swift',
    `backup_storage_swift.auth_url=${swift.authUrl}`,
    'backup_storage_swift.auth_version=1.0',
    `backup_storage_swift.user=${swift.admin.account}:${swift.admin.user}`,
    `backup_storage_swift.key=${swift.admin.key}`,
    'backup_storage_swift.project_layout=account',
    'mysql.usage_timeout=120',
  ];
});

backupScenarios(local, 'swift', skip);
