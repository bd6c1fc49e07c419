// The errors of taking, deleting and restoring backups, declared once like the rest of the
// catalog (which lists them): each names the backup, and a failed backup keeps its code as its fault.

import { defineError } from './cellar-error.js';

export const BackupFailed = defineError('BackupFailed', {
  code: 'CELLAR_BACKUP_FAILED',
  status: 500,
  message: 'Backup {backup} failed: {reason}',
  description:
    "The guest could not take the backup (its tool failed or its output was incomplete); the reason is the guest's own. The instance is ACTIVE again and nothing partial is kept.",
});

export const BackupTimedOut = defineError('BackupTimedOut', {
  code: 'CELLAR_BACKUP_TIMED_OUT',
  status: 504,
  message:
    'Backup {backup} of instance {instance} did not finish within {seconds} s ([DEFAULT] backup_timeout).',
  description:
    'The backup took longer than its time budget; it is FAILED, its partial object was removed and the instance is ACTIVE again.',
});

export const BackupGuestLost = defineError('BackupGuestLost', {
  code: 'CELLAR_BACKUP_GUEST_LOST',
  status: 503,
  message: 'The guest of instance {instance} stopped working on backup {backup}: {reason}',
  description:
    'The guest stopped reporting the backup (it died, or its agent restarted) or reported its database down; the backup is FAILED and its partial object removed.',
});

export const BackupBusy = defineError('BackupBusy', {
  code: 'CELLAR_BACKUP_BUSY',
  status: 422,
  message: 'Backup {id} is {state}; it can be deleted once it has finished.',
  description: 'A backup being taken (NEW, BUILDING, SAVING) cannot be deleted yet.',
});

export const BackupParentInvalid = defineError('BackupParentInvalid', {
  code: 'CELLAR_BACKUP_PARENT_INVALID',
  status: 409,
  message:
    'Backup {parent} cannot be the parent of an incremental backup of instance {instance}: {reason}',
  description:
    'An incremental backup builds on a COMPLETED backup of the same instance; name one with parent_id, or leave it out.',
});

export const BackupNotComplete = defineError('BackupNotComplete', {
  code: 'CELLAR_BACKUP_NOT_COMPLETE',
  status: 409,
  message: 'Backup {id} is {state}; only a COMPLETED backup can be restored.',
  description: 'The backup named by restorePoint.backupRef (or one of its chain) did not complete.',
});

export const BackupDatastoreMismatch = defineError('BackupDatastoreMismatch', {
  code: 'CELLAR_BACKUP_DATASTORE_MISMATCH',
  status: 409,
  message: 'Backup {id} is a {backup} backup; it cannot be restored into a {requested} instance.',
  description: 'A backup restores only into an instance of the datastore it was taken of.',
});

export const BackupObjectMissing = defineError('BackupObjectMissing', {
  code: 'CELLAR_BACKUP_OBJECT_MISSING',
  status: 409,
  message: 'Backup {id} cannot be restored: its object is gone from the {storage} backup storage.',
  description:
    "The backup's record is COMPLETED but its stored object is no longer there; it cannot be restored.",
});

export const BackupTooLarge = defineError('BackupTooLarge', {
  code: 'CELLAR_BACKUP_TOO_LARGE',
  status: 400,
  message: 'Backup {id} holds {size} GB; a volume of {volume} GB is too small to restore it.',
  description: 'The volume of an instance restored from a backup must be at least its size.',
});

export const NoRestorePoint = defineError('NoRestorePoint', {
  code: 'CELLAR_BACKUP_NO_RESTORE_POINT',
  status: 409,
  message:
    'No COMPLETED full backup of instance {instance} was finished before {time}; there is nothing to replay from.',
  description:
    'A restore to a point in time starts from the latest full backup finished before that time.',
});

export const RestoreTimeOutsideWindow = defineError('RestoreTimeOutsideWindow', {
  code: 'CELLAR_RESTORE_TIME_OUTSIDE_WINDOW',
  status: 400,
  message:
    'restorePoint.restore_time {time} cannot be recovered: the recoverable window of instance {instance} is {window}; gaps: {gaps}',
  description:
    "A restore to a point in time must name a moment inside one span of the instance's recoverable window (a gap in its WAL archive ends a span); the instance detail shows the window.",
});

export const BackupDeleteFailed = defineError('BackupDeleteFailed', {
  code: 'CELLAR_BACKUP_DELETE_FAILED',
  status: 503,
  message:
    'Backup {id} could not be removed from the {storage} backup storage: {reason}. It is DELETE_FAILED; delete it again once the storage answers.',
  description: 'The backup storage refused to remove the object; the record is kept DELETE_FAILED.',
});

export const BackupStorageNotConfigured = defineError('BackupStorageNotConfigured', {
  code: 'CELLAR_BACKUP_STORAGE_NOT_CONFIGURED',
  status: 501,
  message: 'Backups are not available: {reason}',
  description:
    'No backup storage is installed and chosen ([DEFAULT] backup_storage); an operator must install one.',
});

export const backupErrors = [
  BackupFailed,
  BackupTimedOut,
  BackupGuestLost,
  BackupBusy,
  BackupParentInvalid,
  BackupNotComplete,
  BackupDatastoreMismatch,
  BackupObjectMissing,
  BackupTooLarge,
  NoRestorePoint,
  RestoreTimeOutsideWindow,
  BackupDeleteFailed,
  BackupStorageNotConfigured,
] as const;
