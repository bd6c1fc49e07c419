// The PostgreSQL datastore's options: the server half read by the API and taskmanager, the guest
// half read only by the guest agent. Defaults are Trove's [postgresql] group.

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
  types,
} from '@cellar/plugin-api';

export default defineDatastoreOptions({
  name: 'postgresql',
  title: 'The PostgreSQL datastore',
  server: {
    ...standardServerOptions({
      datastore: 'PostgreSQL',
      tcpPorts: ['5432'],
      usageTimeout: 1800,
      backupStrategy: 'pg_basebackup',
      replicationStrategy: 'streaming',
    }),
  },
  guest: {
    ...standardGuestOptions({
      datastore: 'PostgreSQL',
      mountPoint: '/var/lib/postgresql',
      backupStrategy: 'pg_basebackup',
      replicationStrategy: 'streaming',
    }),
    postgresql_port: opt.port({
      help: "The port the server listens on, on the instance's address.",
      default: 5432,
      min: 1,
    }),
    ignore_users: opt.list(types.str(), {
      help: 'Roles the guest keeps to itself: never listed, changed or deleted through the API.',
      default: ['os_admin', 'postgres'],
    }),
    ignore_dbs: opt.list(types.str(), {
      help: 'Databases the guest keeps to itself: never listed or deleted through the API.',
      default: ['os_admin', 'postgres'],
    }),
    guest_log_exposed_logs: opt.list(types.str(), {
      help: 'The logs users may list, enable and publish (`all` for every one).',
      default: ['general'],
    }),
    guest_log_long_query_time: opt.int({
      help: 'Statements running at least this many milliseconds are logged to the general log (0 logs all, -1 none).',
      default: 0,
      min: -1,
    }),
    enable_clean_wal_archives: opt.bool({
      help: 'Delete old WAL archive files when the archive fills more than half of the data volume.',
      default: true,
      advanced: true,
    }),
  },
});
