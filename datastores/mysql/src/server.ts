// The MySQL/MariaDB datastore's server half: the servers this host has (mariadbd or mysqld) and
// their versions, why there are none when so, the naming rules for databases and accounts, and
// each version's configuration parameters.

import { defineDatastoreServer } from '@cellar/plugin-api';
import { configuration } from './parameters/index.js';
import { DEBIAN_PACKAGE, installedVersions, missingReason } from './versions.js';

export default defineDatastoreServer({
  name: 'mysql',
  versions: async () =>
    installedVersions().map(({ name, location, active }) => ({ name, location, active })),
  /** Asked when versions() finds none: what is missing and the Debian package that provides it. */
  unavailable: async () => ({ reason: missingReason(), debianPackage: DEBIAN_PACKAGE }),
  nameRules: {
    database: {
      pattern: /^[A-Za-z0-9_$-]+$/,
      maxLength: 64,
      reserved: ['mysql', 'information_schema', 'performance_schema', 'sys', 'lost+found'],
    },
    user: {
      pattern: /^[A-Za-z0-9_.-]+$/,
      maxLength: 80,
      reserved: [
        'root',
        'os_admin',
        'os_backup',
        'os_repl',
        'mysql.sys',
        'mariadb.sys',
        'mysql.session',
      ],
    },
  },
  // From each server's own SYSTEM_VARIABLES, committed (parameters/catalog-<version>.ts).
  configuration,
});
