// The Memcached datastore's options: the server half read by the API and taskmanager, the guest
// half read only by the guest agent. Memcached keeps nothing on disk worth backing up and has no
// replication, so both strategies are empty (the API then offers neither backups nor replicas).

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
} from '@cellar/plugin-api';

export default defineDatastoreOptions({
  name: 'memcached',
  title: 'The Memcached datastore',
  server: {
    ...standardServerOptions({
      datastore: 'Memcached',
      tcpPorts: ['11211'],
      usageTimeout: 600,
      backupStrategy: '',
      replicationStrategy: '',
    }),
  },
  guest: {
    ...standardGuestOptions({
      datastore: 'Memcached',
      mountPoint: '/var/lib/memcached',
      backupStrategy: '',
      replicationStrategy: '',
    }),
    memory_ratio: opt.float({
      help: "Share of the flavor's RAM memcached may use for items (its -m limit); the rest is left for connections and the operating system.",
      default: 0.8,
      min: 0.1,
      max: 0.95,
    }),
    max_connections: opt.int({
      help: 'The most client connections memcached accepts at once (its -c limit).',
      default: 1024,
      min: 16,
      max: 65536,
    }),
  },
});
