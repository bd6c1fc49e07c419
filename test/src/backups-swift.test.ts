// Backups and restores of every datastore through the API on the Swift storage: a Swift
// all-in-one on loopback with tempauth, each project's backups in its own account as Trove keeps
// them; the scenario of support/backup-scenario.ts on real instances of the local compute driver.

import { backupScenarios } from './support/backup-scenario.js';
import { localCellarOnSwift, noSwiftCellar } from './support/swift-cellar.js';

const local = localCellarOnSwift((swift) => [
  'DEFAULT.backup_storage=swift',
  `backup_storage_swift.auth_url=${swift.authUrl}`,
  'backup_storage_swift.auth_version=1.0',
  `backup_storage_swift.user=${swift.admin.account}:${swift.admin.user}`,
  `backup_storage_swift.key=${swift.admin.key}`,
  'backup_storage_swift.project_layout=account',
]);

backupScenarios(local, 'swift', noSwiftCellar);
