// The `redis_rdb` restore strategy: the one full backup's RDB written as the new instance's
// dump.rdb before its first start. Data only: users, root and configuration are the new instance's.

import { defineRestoreStrategy, GuestError, isCellarError } from '@cellar/plugin-api';
import type { RedisManager } from './guest.js';

export default defineRestoreStrategy<RedisManager>({
  name: 'redis_rdb',
  datastore: 'redis',
  async restore(run) {
    const [piece, ...more] = run.chain;
    if (piece === undefined || more.length > 0)
      throw new GuestError({
        reason: `redis_rdb restores one full backup, not a chain of ${run.chain.length}.`,
      });
    try {
      const facts = await run.manager.rdb.place(await piece.open(), run.signal);
      run.log.info('Redis RDB restored', { backup: piece.backup.id, ...facts });
    } catch (error) {
      // The storage's own errors (a checksum mismatch naming the object) keep their code.
      if (isCellarError(error)) throw error;
      const said = error instanceof Error ? error.message : String(error);
      throw new GuestError(
        { reason: `restoring backup ${piece.backup.id}: ${said}` },
        { cause: error },
      );
    }
  },
});
