// The `redis_rdb` backup strategy: a full RDB snapshot of the running server, streamed from
// replication's SYNC through `redis-cli --rdb -` and checked whole (magic, end, CRC-64).

import { defineBackupStrategy, GuestError } from '@cellar/plugin-api';
import type { RedisManager } from './guest.js';
import { dumpRdb } from './rdb-dump.js';

export default defineBackupStrategy<RedisManager>({
  name: 'redis_rdb',
  datastore: 'redis',
  // An RDB is the whole dataset; Redis has nothing an incremental could start from.
  incremental: false,
  async backup(run) {
    if (run.backup.parent !== undefined)
      throw new GuestError({
        reason: 'redis_rdb takes full backups only: Redis has no incremental backup.',
      });
    const rdb = run.manager.rdb;
    const server = await rdb.serverFacts();
    const dump = dumpRdb(await rdb.dumpAccess(), run.signal);
    const done = dump.done.then((rdbFacts) => {
      const meta = {
        redisVersion: server.redisVersion,
        keys: server.keys,
        rdbSize: rdbFacts.size,
        rdbVersion: rdbFacts.rdbVersion,
        crc64: rdbFacts.crc64,
      };
      run.log.info('Redis RDB backup streamed', { backup: run.backup.id, ...meta });
      return meta;
    });
    return { stream: dump.stream, done };
  },
});
