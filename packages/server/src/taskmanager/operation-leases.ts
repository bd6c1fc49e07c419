// Which taskmanager runs an open operation: it claims the operation with a conditional write
// before it runs it and renews the lease while it does, so several taskmanagers on one control
// database (or one restarted while a peer runs) never run the same operation at once.

import type { Kysely } from 'kysely';
import { now, type Database, type Operation } from '../db/schema.js';
import { openOperationStatuses } from '../instances/states.js';

export class OperationLeases {
  constructor(
    private readonly db: Kysely<Database>,
    /** This taskmanager, as `claimed_by` names it. */
    readonly owner: string,
    /** How long a claim holds without being renewed. */
    private readonly leaseSeconds: number,
  ) {}

  #leaseEnd(): string {
    return new Date(Date.now() + this.leaseSeconds * 1000).toISOString();
  }

  /** Takes the open operation unless a live peer holds it; true when this taskmanager holds it. */
  async claim(id: string): Promise<boolean> {
    const at = now();
    const claimed = await this.db
      .updateTable('operations')
      .set({ claimed_by: this.owner, lease_until: this.#leaseEnd() })
      .where('id', '=', id)
      .where('status', 'in', openOperationStatuses)
      .where((eb) =>
        eb.or([
          eb('claimed_by', '=', this.owner),
          eb('lease_until', 'is', null),
          eb('lease_until', '<', at),
        ]),
      )
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) > 0;
  }

  /** Extends the lease; false when the operation ended meanwhile or a peer took it over. */
  async renew(id: string): Promise<boolean> {
    const renewed = await this.db
      .updateTable('operations')
      .set({ lease_until: this.#leaseEnd() })
      .where('id', '=', id)
      .where('status', 'in', openOperationStatuses)
      .where('claimed_by', '=', this.owner)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) > 0;
  }

  /** Lets go of every operation this taskmanager holds, so a peer or its successor takes them at once. */
  async releaseAll(): Promise<void> {
    await this.db
      .updateTable('operations')
      .set({ claimed_by: null, lease_until: null })
      .where('status', 'in', openOperationStatuses)
      .where('claimed_by', '=', this.owner)
      .execute();
  }

  /**
   * Open operations nobody runs: those whose lease expired, those never claimed that were
   * recorded before `unclaimedBefore` (all of them when it is not given), and this taskmanager's
   * own (a restart under the same name: the process that claimed them is gone).
   */
  async takeable(unclaimedBefore?: string): Promise<Operation[]> {
    const at = now();
    return this.db
      .selectFrom('operations')
      .selectAll()
      .where('status', 'in', openOperationStatuses)
      .where((eb) =>
        eb.or([
          eb('claimed_by', '=', this.owner),
          eb('lease_until', '<', at),
          unclaimedBefore === undefined
            ? eb('lease_until', 'is', null)
            : eb.and([eb('lease_until', 'is', null), eb('created_at', '<', unclaimedBefore)]),
        ]),
      )
      .orderBy('created_at')
      .execute();
  }

  /**
   * Renews the lease every third of its length while `work` runs; `held()` turns false once a
   * renewal finds the operation ended or taken over, so the work can stop at its next step.
   */
  keep(id: string): { held(): boolean; stop(): void } {
    let held = true;
    const timer = setInterval(
      () => {
        this.renew(id).then(
          (still) => {
            if (!still) held = false;
          },
          () => undefined,
        );
      },
      (this.leaseSeconds * 1000) / 3,
    );
    timer.unref();
    return { held: () => held, stop: () => clearInterval(timer) };
  }
}
