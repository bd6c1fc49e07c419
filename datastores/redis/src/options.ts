// The Redis datastore's options: the server half read by the API and taskmanager, the guest half
// read only by the guest agent. Defaults are Trove's [redis] group.

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
} from '@cellar/plugin-api';

export default defineDatastoreOptions({
  name: 'redis',
  title: 'The Redis datastore',
  server: {
    ...standardServerOptions({
      datastore: 'Redis',
      tcpPorts: ['6379', '16379'],
      usageTimeout: 1800,
      backupStrategy: 'rdb',
      replicationStrategy: 'sync',
    }),
  },
  guest: {
    ...standardGuestOptions({
      datastore: 'Redis',
      mountPoint: '/var/lib/redis',
      backupStrategy: 'rdb',
      replicationStrategy: 'sync',
    }),
    redis_port: opt.port({
      help: "The port the server listens on, on the instance's address.",
      default: 6379,
      min: 1,
    }),
    maxmemory_ratio: opt.float({
      help: "Share of the flavor's RAM Redis may use for data (maxmemory); the rest is left for copy-on-write during saves.",
      default: 0.75,
      min: 0.1,
      max: 0.95,
    }),
  },
});
