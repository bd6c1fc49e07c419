// The errors a guest reports for a backup it cannot take or a chain it cannot restore, declared
// once like the rest of the catalog (which lists them); BackupFailed is with the control plane's.

import { defineError } from './cellar-error.js';

export const BackupNotConfigured = defineError('BackupNotConfigured', {
  code: 'CELLAR_BACKUP_NOT_CONFIGURED',
  status: 501,
  message: 'The guest of instance {instance} cannot {operation}: {reason}',
  description:
    "The guest has no backup storage, no project, or no strategy by the datastore's backup_strategy name; the reason says which.",
});

export const BackupIncrementalNotSupported = defineError('BackupIncrementalNotSupported', {
  code: 'CELLAR_BACKUP_INCREMENTAL_NOT_SUPPORTED',
  status: 400,
  message:
    "The {strategy} backup strategy of the {datastore} datastore takes only full backups; create the backup without 'incremental' or 'parent_id'.",
  description: 'An incremental backup was asked of a strategy that declares incremental: false.',
});

export const BackupInProgress = defineError('BackupInProgress', {
  code: 'CELLAR_BACKUP_IN_PROGRESS',
  status: 422,
  message: 'Instance {instance} is already taking backup {running}; one backup runs at a time.',
  description: 'A guest takes one backup at a time; retry when the running one has ended.',
});

export const RestoreFailed = defineError('RestoreFailed', {
  code: 'CELLAR_RESTORE_FAILED',
  status: 500,
  message: 'Restoring backup {backup} failed: {reason}',
  description:
    "The datastore's restore tool failed, or the chain to restore is incomplete; the instance is not created from it.",
});

export const guestBackupErrors = [
  BackupNotConfigured,
  BackupIncrementalNotSupported,
  BackupInProgress,
  RestoreFailed,
] as const;
