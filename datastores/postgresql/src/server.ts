// The PostgreSQL datastore's server half: the versions this host has (Debian's
// /usr/lib/postgresql/<major>/bin), the naming rules for databases and roles, the window
// point-in-time recovery can reach, and each major's configuration parameters.

import { defineDatastoreServer } from '@cellar/plugin-api';
import { configuration } from './parameters/index.js';
import { installedVersions, missingServer } from './versions.js';
import { fullBackupFacts, recoverableWindow, walPrefix } from './wal-objects.js';
import { walRetention } from './wal-retention.js';

// For the server's view of point-in-time recovery: the window an instance can be restored to
// and the gaps in its archive, computed from list('wal/<instance id>/') and its full backups.
export {
  archivedWal,
  fullBackupFacts,
  recoverableWindow,
  walGaps,
  walPrefix,
  type FullBackupFacts,
  type RecoverableSpan,
} from './wal-objects.js';

// PostgreSQL identifiers are at most 63 bytes; Cellar keeps to the unquoted-identifier alphabet.
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export default defineDatastoreServer({
  name: 'postgresql',
  versions: async () => installedVersions(),
  unavailable: async () => missingServer(),
  nameRules: {
    database: {
      pattern: identifier,
      maxLength: 63,
      reserved: ['postgres', 'template0', 'template1', 'os_admin'],
    },
    user: { pattern: identifier, maxLength: 63, reserved: ['postgres', 'os_admin', 'root'] },
  },
  pointInTime: {
    objectPrefix: walPrefix,
    // A full backup whose meta lacks the facts (taken by an older strategy) starts no span.
    window: (objects, fullBackups) =>
      recoverableWindow(
        objects,
        fullBackups.flatMap((b) => fullBackupFacts(b.meta) ?? []),
      ),
  },
  // WAL older than the oldest kept full backup is removed by the control plane's sweeper.
  archiveRetention: walRetention,
  // From each major's own pg_settings, committed (parameters/catalog-<major>.ts).
  configuration,
});
