// The AWS SDK's failures as the catalog's storage errors: a refused signature or access is a
// refusal the operator fixes in [backup_storage_s3]; a missing key is a missing object.

import {
  BackupObjectNotFound,
  BackupStorageFailed,
  BackupStorageRefused,
  isCellarError,
} from '@cellar/plugin-api';

const refusals = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AuthorizationHeaderMalformed',
  'InvalidToken',
  'ExpiredToken',
]);

export function s3Error(error: unknown, operation: string, object: string): unknown {
  if (isCellarError(error)) return error;
  if (!(error instanceof Error)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const reason = `${error.name}${status ? ` (HTTP ${status})` : ''}`;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404)
    return new BackupObjectNotFound({ storage: 's3', object });
  if (refusals.has(error.name) || status === 403)
    return new BackupStorageRefused(
      { storage: 's3', operation: `${operation} ${object}`, reason },
      { cause: error },
    );
  if (status !== undefined || 'code' in error)
    return new BackupStorageFailed({ storage: 's3', operation, object, reason }, { cause: error });
  return error;
}
