// The Redis datastore's options: the server half read by the API and taskmanager, the guest half
// read only by the guest agent. Defaults are Trove's [redis] group.

import {
  defineDatastoreOptions,
  opt,
  standardGuestOptions,
  standardServerOptions,
  types,
} from '@cellar/plugin-api';

export default defineDatastoreOptions({
  name: 'redis',
  title: 'The Redis datastore',
  server: {
    ...standardServerOptions({
      datastore: 'Redis',
      tcpPorts: ['6379', '16379'],
      usageTimeout: 1800,
      backupStrategy: 'redis_rdb',
      replicationStrategy: 'sync',
    }),
  },
  guest: {
    ...standardGuestOptions({
      datastore: 'Redis',
      mountPoint: '/var/lib/redis',
      backupStrategy: 'redis_rdb',
      replicationStrategy: 'sync',
    }),
    redis_port: opt.port({
      help: "The port the server listens on, on the instance's address.",
      default: 6379,
      min: 1,
    }),
    guest_log_exposed_logs: opt.list(types.str(), {
      help: 'The logs users may list, enable and publish (`all` for every one): error, slow_query, guest. None by default, as in Trove.',
      default: [],
    }),
    maxmemory_ratio: opt.float({
      help: "Share of the flavor's RAM Redis may use for data (maxmemory); the rest is left for copy-on-write during saves.",
      default: 0.75,
      min: 0.1,
      max: 0.95,
    }),
    maxmemory_policy: opt.str({
      help: 'What Redis does when maxmemory is reached: refuse writes (noeviction) or evict keys.',
      default: 'noeviction',
      choices: [
        ['noeviction', 'refuse writes that need more memory; nothing is lost'],
        'allkeys-lru',
        'allkeys-lfu',
        'allkeys-random',
        'volatile-lru',
        'volatile-lfu',
        'volatile-random',
        'volatile-ttl',
      ],
    }),
    persistence: opt.str({
      help: "How the data outlives a restart: RDB snapshots at Redis's default save points, an append-only file (fsync every second) beside them, or none (a cache).",
      default: 'rdb',
      choices: [
        [
          'rdb',
          "snapshots after 3600 s and 1 change, 300 s and 100, 60 s and 10000 (Redis's and Trove's default)",
        ],
        ['aof', 'append-only file, fsync every second, plus RDB snapshots'],
        ['none', 'nothing is written to disk: a cache'],
      ],
    }),
  },
});
