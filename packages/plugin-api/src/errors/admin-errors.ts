// The errors of the management API (Trove's /mgmt extension), declared once like the rest of the
// catalog (which lists them): refusals of non-admins and of changes to datastore versions.

import { defineError } from './cellar-error.js';

export const NotAdmin = defineError('NotAdmin', {
  code: 'CELLAR_NOT_ADMIN',
  status: 401,
  message: 'User does not have admin privileges.',
  description:
    "The management API (/mgmt) is for callers with the admin role; Trove answers 401 here, not a policy's 403.",
});

export const DatastoreVersionInUse = defineError('DatastoreVersionInUse', {
  code: 'CELLAR_DATASTORE_VERSION_IN_USE',
  status: 400,
  message: 'Datastore version {version} is in use by {users}: it cannot be deleted.',
  description:
    'A datastore version that instances or backups name stays; disable it instead (PATCH with "active": false) so no new instance uses it.',
});

export const DatastoreVersionInactive = defineError('DatastoreVersionInactive', {
  code: 'CELLAR_DATASTORE_VERSION_INACTIVE',
  status: 400,
  message:
    'Datastore version {datastore} {version} is not active: {reason}. Active versions: {active}.',
  description:
    'The version exists but new instances may not use it (an administrator disabled it, or this host no longer has it); name an active version.',
});

export const adminErrors = [NotAdmin, DatastoreVersionInUse, DatastoreVersionInactive] as const;
