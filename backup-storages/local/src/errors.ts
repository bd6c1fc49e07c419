// File system failures as the catalog's storage errors: a directory Cellar may not write is a
// refusal an operator fixes in [backup_storage_local]; anything else is a failure of the storage.

import { BackupStorageFailed, BackupStorageRefused } from '@cellar/plugin-api';

const refusals = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

/** `error` as a catalog error; an aborted signal's own reason is kept, as callers expect. */
export function storageError(
  operation: string,
  object: string,
  error: unknown,
  signal?: AbortSignal,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    const reason = `${error.code} (${error.message})`;
    if (refusals.has(error.code))
      return new BackupStorageRefused({ storage: 'local', operation, reason }, { cause: error });
    return new BackupStorageFailed(
      { storage: 'local', operation, object, reason },
      { cause: error },
    );
  }
  return error;
}
