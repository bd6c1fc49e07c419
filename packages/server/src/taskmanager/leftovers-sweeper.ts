// The leftovers sweeper: removes what failed backups left in a storage that could not take their
// removal at the time (it died with the upload, or was unreachable), and finishes the deletes a
// storage refused (DELETE_FAILED), retrying each round until nothing is left under the key.

import { asCellarError } from '@cellar/plugin-api';
import { forgetBackup } from '../backups/delete.js';
import {
  clearLeftovers,
  markLeftovers,
  purgeBackup,
  SWEEP_CLAIM_SECONDS,
} from '../backups/leftovers.js';
import { withStorage } from '../backups/storages.js';
import { now, type Backup } from '../db/schema.js';
import { runningBackupStates } from '../instances/states.js';
import { sweepArchives } from './archive-sweep.js';
import type { TaskManagerDeps } from './step-context.js';

export class LeftoversSweeper {
  constructor(
    private readonly deps: Pick<
      TaskManagerDeps,
      'db' | 'backups' | 'log' | 'quotas' | 'archiveRetention'
    >,
    /** This taskmanager, as `swept_by` names it. */
    private readonly owner: string,
  ) {}

  /** Backups with stored parts to remove: those marked, and those whose delete the storage refused. */
  async #candidates(): Promise<Backup[]> {
    return this.deps.db
      .selectFrom('backups')
      .leftJoin('backup_leftovers', 'backup_leftovers.backup_id', 'backups.id')
      .selectAll('backups')
      .where('backups.state', 'not in', runningBackupStates)
      .where((eb) =>
        eb.or([
          eb('backup_leftovers.backup_id', 'is not', null),
          eb.and([eb('backups.state', '=', 'DELETE_FAILED'), eb('backups.deleted_at', 'is', null)]),
        ]),
      )
      .orderBy('backups.updated_at')
      .execute();
  }

  /**
   * Takes the backup unless a live peer's sweeper holds it or it needs no sweep any more (a peer
   * finished it since the candidates were read); true when this one holds it.
   */
  async #claim(id: string): Promise<boolean> {
    const at = now();
    // A refused delete gets its mark here, only while it is still refused.
    await this.deps.db
      .insertInto('backup_leftovers')
      .columns(['backup_id', 'since'])
      .expression((eb) =>
        eb
          .selectFrom('backups')
          .select((s) => ['id', s.val(at).as('since')])
          .where('id', '=', id)
          .where('state', '=', 'DELETE_FAILED')
          .where('deleted_at', 'is', null),
      )
      .onConflict((oc) => oc.column('backup_id').doNothing())
      .execute();
    const claimed = await this.deps.db
      .updateTable('backup_leftovers')
      .set({
        swept_by: this.owner,
        sweep_until: new Date(Date.now() + SWEEP_CLAIM_SECONDS * 1000).toISOString(),
      })
      .where('backup_id', '=', id)
      .where((eb) => eb.or([eb('sweep_until', 'is', null), eb('sweep_until', '<', at)]))
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) > 0;
  }

  /** One round over every backup with leftovers; returns how many are clean now. */
  async sweep(): Promise<number> {
    const storages = this.deps.backups?.storages;
    if (!storages) return 0;
    let cleaned = 0;
    for (const row of await this.#candidates()) {
      if (!(await this.#claim(row.id))) continue;
      try {
        await withStorage(storages, row.storage, (storage) => purgeBackup(storage, row));
      } catch (error) {
        await markLeftovers(this.deps.db, row.id, error);
        this.deps.log.warn(
          { backup: row.id, storage: row.storage, reason: asCellarError(error).message },
          'the leftovers of a backup could not be removed yet; the next sweep tries again',
        );
        continue;
      }
      // A delete the storage refused is finished now: the backup is gone for good.
      if (row.state === 'DELETE_FAILED') await forgetBackup(this.deps, row);
      else await clearLeftovers(this.deps.db, row.id);
      cleaned++;
      this.deps.log.info(
        { backup: row.id, storage: row.storage, state: row.state },
        'the leftovers of a backup were removed from its storage',
      );
    }
    return cleaned;
  }

  /** Sweeps once now and then every `seconds`, a round at a time; returns what stops it. */
  watch(seconds: number): () => Promise<void> {
    let round: Promise<void> | undefined;
    const tick = (): void => {
      round ??= this.sweep()
        .then(() => sweepArchives(this.deps))
        .then(
          () => undefined,
          (error: unknown) => this.deps.log.warn({ err: error }, 'the leftovers sweep failed'),
        )
        .finally(() => (round = undefined));
    };
    tick();
    const timer = setInterval(tick, seconds * 1000);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await round;
    };
  }
}
