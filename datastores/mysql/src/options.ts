// The MySQL/MariaDB datastore's options: the server half read by the API and taskmanager, the
// guest half read only by the guest agent. Defaults are Trove's [mysql] and [mariadb] groups.

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
  types,
} from '@cellar/plugin-api';

export default defineDatastoreOptions({
  name: 'mysql',
  title: 'The MySQL and MariaDB datastore',
  server: {
    ...standardServerOptions({
      datastore: 'MySQL',
      tcpPorts: ['3306'],
      usageTimeout: 400,
      backupStrategy: 'mariabackup',
      replicationStrategy: 'gtid',
    }),
  },
  guest: {
    ...standardGuestOptions({
      datastore: 'MySQL',
      mountPoint: '/var/lib/mysql',
      backupStrategy: 'mariabackup',
      replicationStrategy: 'gtid',
    }),
    mysql_port: opt.port({
      help: "The port the server listens on, on the instance's address.",
      default: 3306,
      min: 1,
    }),
    ignore_users: opt.list(types.str(), {
      help: 'Accounts the guest keeps to itself: never listed, changed or deleted through the API.',
      default: ['os_admin', 'os_backup', 'root'],
    }),
    ignore_dbs: opt.list(types.str(), {
      help: 'Databases the guest keeps to itself: never listed or deleted through the API.',
      default: ['mysql', 'information_schema', 'performance_schema', 'sys'],
    }),
    root_grant: opt.list(types.str(), {
      help: 'Privileges root is granted when enabled.',
      default: ['ALL'],
    }),
    root_grant_option: opt.bool({
      help: 'Whether root may grant its privileges to others.',
      default: true,
    }),
    guest_log_exposed_logs: opt.list(types.str(), {
      help: 'The logs users may list, enable and publish (`all` for every one): general, slow_query, error, guest.',
      default: ['general', 'slow_query'],
    }),
    guest_log_long_query_time: opt.int({
      help: 'Statements running at least this many milliseconds go to the slow query log.',
      default: 1000,
      min: 0,
    }),
  },
});
