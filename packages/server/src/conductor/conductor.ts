// The conductor: the only receiver of guest messages. It verifies each with the key of the
// instance it claims to come from, drops heartbeats older than the last one seen from that
// instance (by `sent`), records the heartbeat as the instance's service status, and records a
// backup's progress and outcome (backup-updates.ts) for a backup of that instance only. The gauges
// a heartbeat carries go to the instance's metrics (metrics/store.ts).

import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import {
  conductorArgs,
  CONDUCTOR_TOPIC,
  method,
  serve,
  type Listener,
  type RequestEnvelope,
  type Transport,
} from '@cellar/rpc';
import { now, type Database } from '../db/schema.js';
import { isGuestServiceStatus } from '../instances/states.js';
import { unseal } from '../secrets.js';
import { removeObject } from '../backups/delete.js';
import { withStorage, type BackupStorages } from '../backups/storages.js';
import type { Backup } from '../db/schema.js';
import { lateCompletion, recordBackupUpdate } from './backup-updates.js';
import { recordReplicationState } from '../replication/state-store.js';
import { MetricsStore } from '../metrics/store.js';

export interface ConductorLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class Conductor {
  readonly #metrics: MetricsStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly controlKey: string,
    private readonly log: ConductorLog,
    /**
     * Told of every recorded heartbeat and backup update: a taskmanager in this process stops
     * waiting at once.
     */
    private readonly onHeartbeat?: (instanceId: string) => void,
    /** Where backups are kept: what a guest stores for a backup already failed is removed. */
    private readonly storages?: BackupStorages,
  ) {
    this.#metrics = new MetricsStore(db);
  }

  /** Removes the object a guest finished storing after its backup was failed. */
  async #removeLate(row: Backup): Promise<void> {
    if (!this.storages) return;
    try {
      await withStorage(this.storages, row.storage, (storage) => removeObject(storage, row));
    } catch (error) {
      this.log.warn(
        { err: error, backup: row.id },
        'the object of a backup completed too late could not be removed',
      );
    }
  }

  async #keyOf(request: RequestEnvelope): Promise<string | undefined> {
    if (request.instance === undefined) return undefined;
    const row = await this.db
      .selectFrom('instances')
      .select('rpc_key')
      .where('id', '=', request.instance)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? unseal(this.controlKey, row.rpc_key) : undefined;
  }

  /** True when the message is newer than the last one seen for this instance and method. */
  async #fresh(instanceId: string, methodName: string, sent: number): Promise<boolean> {
    const last = await this.db
      .selectFrom('conductor_lastseen')
      .select('sent')
      .where('instance_id', '=', instanceId)
      .where('method', '=', methodName)
      .executeTakeFirst();
    if (last && Number(last.sent) > sent) return false;
    await this.db
      .insertInto('conductor_lastseen')
      .values({ instance_id: instanceId, method: methodName, sent })
      .onConflict((c) => c.columns(['instance_id', 'method']).doUpdateSet({ sent }))
      .execute();
    return true;
  }

  serve(transport: Transport): Promise<Listener> {
    return serve({
      transport,
      topic: CONDUCTOR_TOPIC,
      keyFor: (request) => this.#keyOf(request),
      onError: (error, request) =>
        this.log.warn(
          { err: error, instance: request?.instance, method: request?.method },
          'guest message refused',
        ),
      methods: {
        heartbeat: method(conductorArgs.heartbeat, async (beat, request) => {
          const instanceId = request.instance;
          // Only a message signed with an instance's key gets here; it names that instance.
          if (instanceId === undefined) return;
          const status = beat.status;
          // The envelope's schema admits only these; the check tells the column's type so.
          if (!isGuestServiceStatus(status)) return;
          if (!(await this.#fresh(instanceId, 'heartbeat', request.sent))) return;
          // Kept whatever the status: a server that needs a restart still has connections.
          if (beat.metrics) await this.#metrics.record(instanceId, beat.metrics);
          const current = await this.db
            .selectFrom('service_statuses')
            .select('status')
            .where('instance_id', '=', instanceId)
            .executeTakeFirst();
          // Only a restart clears "restart required".
          if (current?.status === 'restart required' && status !== 'restart required') return;
          await this.db
            .updateTable('service_statuses')
            .set({ status, updated_at: now() })
            .where('instance_id', '=', instanceId)
            .execute();
          if (beat.replication) await recordReplicationState(this.db, instanceId, beat.replication);
          if (beat.fault) {
            await this.db
              .insertInto('instance_faults')
              .values({
                id: randomUUID(),
                instance_id: instanceId,
                code: beat.fault.code,
                message: beat.fault.message,
                details: '',
                created_at: now(),
              })
              .execute();
          }
          this.onHeartbeat?.(instanceId);
        }),
        update_backup: method(conductorArgs.update_backup, async (update, request) => {
          const instanceId = request.instance;
          if (instanceId === undefined) return;
          const refusal = await recordBackupUpdate(this.db, instanceId, update);
          if (refusal === undefined) return this.onHeartbeat?.(instanceId);
          this.log.warn({ instance: instanceId, backup: update.backup_id }, refusal);
          const late = await lateCompletion(this.db, instanceId, update);
          if (late) await this.#removeLate(late);
        }),
      },
    });
  }
}
