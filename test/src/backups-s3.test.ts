// Backups and restores of every datastore through the API on the S3 storage: the s3api
// middleware of a Swift all-in-one on loopback, path-style, with multipart uploads; the scenario
// of support/backup-scenario.ts on real instances of the local compute driver.

import { backupScenarios } from './support/backup-scenario.js';
import { localCellarOnSwift, noSwiftCellar } from './support/swift-cellar.js';

const local = localCellarOnSwift((swift) => [
  'DEFAULT.backup_storage=s3',
  `backup_storage_s3.endpoint=${swift.endpoint}`,
  'backup_storage_s3.region=us-east-1',
  'backup_storage_s3.bucket=cellar-backups',
  `backup_storage_s3.access_key_id=${swift.tester.account}:${swift.tester.user}`,
  `backup_storage_s3.secret_access_key=${swift.tester.key}`,
  'backup_storage_s3.force_path_style=true',
]);

backupScenarios(local, 's3', noSwiftCellar);
