// The PostgreSQL datastore's options: the server half read by the API and taskmanager, the guest
// half read only by the guest agent. Defaults are Trove's [postgresql] group.

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
  types,
} from '@cellar/plugin-api';

/**
 * On both sides: the guest ships its WAL, the server offers restores to a point in time (and
 * shows the recoverable window) only for instances that do.
 */
const walArchiving = () =>
  opt.bool({
    help: "Archive each instance's WAL continuously to the backup storage (wal/<instance id>/), so that an instance can be restored to any moment between its oldest full backup and its last archived commit.",
    default: false,
  });

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
    wal_archiving: walArchiving(),
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
      help: 'The logs users may list, enable and publish (`all` for every one): general, slow_query, error, guest.',
      default: ['general', 'slow_query'],
    }),
    guest_log_long_query_time: opt.int({
      help: 'Statements running at least this many milliseconds go to the slow_query log, once it is enabled (0: every statement).',
      default: 1000,
      min: 0,
    }),
    wal_archiving: walArchiving(),
    wal_archive_timeout: opt.int({
      help: 'With wal_archiving, a server with little traffic still closes its WAL segment after this many seconds, so the archive (and the latest time an instance can be restored to) lags at most this much.',
      default: 60,
      min: 1,
      advanced: true,
    }),
    enable_clean_wal_archives: opt.bool({
      help: 'After each full backup, delete the WAL archived locally before its start (only incrementals on it read that archive). Ignored with wal_archiving, which empties the local archive into the backup storage.',
      default: true,
      advanced: true,
    }),
  },
});
