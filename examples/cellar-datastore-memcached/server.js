// The memcached datastore's server half, read by the API and taskmanager: the versions this host
// has (from the installed binary), why there are none when it is missing, and user name rules.

import { defineDatastoreServer } from '@cellar/plugin-api';
import { installedVersion, whyUnavailable } from './lib/versions.js';
import { USER_NAME_MAX, userName } from './lib/names.js';

export default defineDatastoreServer({
  name: 'memcached',
  versions: async () => {
    // Without SASL's tools and PLAIN mechanism no instance could have users: offer no version.
    const found = (await whyUnavailable()) === undefined ? await installedVersion() : undefined;
    return found === undefined ? [] : [{ name: found.name, location: found.binary, active: true }];
  },
  /** Why this host offers no version, naming the Debian packages that provide what is missing. */
  unavailableReason: () => whyUnavailable(),
  nameRules: {
    // memcached has no databases; the API refuses their routes before any name is read.
    user: { pattern: userName, maxLength: USER_NAME_MAX },
  },
});
