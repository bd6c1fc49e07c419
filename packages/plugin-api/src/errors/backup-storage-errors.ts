// The errors a backup storage raises, declared once like the rest of the catalog (which lists
// them): they name the storage and the object, never a credential.

import { defineError } from './cellar-error.js';

export const BackupStorageRefused = defineError('BackupStorageRefused', {
  code: 'CELLAR_BACKUP_STORAGE_REFUSED',
  status: 503,
  message: 'The {storage} backup storage refused to {operation}: {reason}',
  description:
    "The backup storage rejected Cellar's credentials or permissions (or its directory cannot be written); fix the storage's option group, e.g. [backup_storage_swift].",
});

export const BackupStorageFailed = defineError('BackupStorageFailed', {
  code: 'CELLAR_BACKUP_STORAGE_FAILED',
  status: 503,
  message: 'The {storage} backup storage failed to {operation} {object}: {reason}',
  description:
    'The backup storage could not be reached or answered with an error; nothing partial is left behind by a failed write.',
});

export const BackupObjectNotFound = defineError('BackupObjectNotFound', {
  code: 'CELLAR_BACKUP_OBJECT_NOT_FOUND',
  status: 404,
  message: 'Backup object {object} cannot be found in the {storage} backup storage.',
  description: 'The object a backup record points at is gone from its storage.',
});

export const BackupChecksumMismatch = defineError('BackupChecksumMismatch', {
  code: 'CELLAR_BACKUP_CHECKSUM_MISMATCH',
  status: 409,
  message:
    'Backup object {object} in the {storage} backup storage is corrupt: its SHA-256 is {actual}, but {expected} was recorded when it was stored.',
  description:
    'The bytes read back from the storage are not the bytes that were stored; the backup cannot be used.',
});

export const backupStorageErrors = [
  BackupStorageRefused,
  BackupStorageFailed,
  BackupObjectNotFound,
  BackupChecksumMismatch,
] as const;
