// What the taskmanager is built from, and what each step of an operation is given: the control
// plane's parts, and the operation, instance and guest the step works on.

import type { Kysely } from 'kysely';
import type { ArchiveRetention, PortRange } from '@cellar/plugin-api';
import type { GuestClient, RequestContext, Transport } from '@cellar/rpc';
import type { BackupStorages } from '../backups/storages.js';
import type { Database, Instance, Operation } from '../db/schema.js';
import type { ComputeDriver } from '../drivers/compute/compute-driver.js';
import type { StepOutcome } from '../instances/states.js';
import type { Quotas } from '../quotas/quotas.js';
import type { GuestWaits } from './wait-for-guest.js';

export interface DatastoreSettings {
  readonly usageTimeout: number;
  readonly tcpPorts: readonly PortRange[];
  readonly udpPorts: readonly PortRange[];
  /** The datastore's `backup_strategy` option. */
  readonly backupStrategy?: string;
}

/** What the backup steps need besides the rest. */
export interface BackupSettings {
  readonly storages: BackupStorages;
  /** `[DEFAULT] backup_timeout`: seconds a backup may take from its request. */
  readonly timeout: number;
  /**
   * `[DEFAULT] agent_heartbeat_expiry`: seconds without a report on a running backup after which
   * its guest is taken as lost.
   */
  readonly silenceLimit: number;
}

export interface TaskManagerLog {
  info(f: Record<string, unknown>, m: string): void;
  warn(f: Record<string, unknown>, m: string): void;
  error(f: Record<string, unknown>, m: string): void;
}

/** [DEFAULT] replication_synchronous, automatic_failover and failover_timeout (replication/). */
export interface ReplicationSettings {
  readonly synchronous: boolean;
  readonly automaticFailover: boolean;
  /** Seconds. */
  readonly failoverTimeout: number;
}

export interface TaskManagerDeps {
  readonly db: Kysely<Database>;
  readonly compute: ComputeDriver;
  readonly transport: Transport;
  readonly controlKey: string;
  readonly quotas: Quotas;
  readonly datastoreSettings: (datastore: string) => DatastoreSettings;
  readonly guestTimeouts: { readonly low: number; readonly high: number };
  readonly log: TaskManagerLog;
  /** Backups are failed at once without (no storage is configured). */
  readonly backups?: BackupSettings;
  /** The datastore's retention of its continuous archive (PostgreSQL's WAL), when it has one. */
  readonly archiveRetention?: (datastore: string) => ArchiveRetention | undefined;
  readonly replication?: ReplicationSettings;
  /** Seconds between service-status polls while waiting for a guest. */
  readonly pollInterval?: number;
  /**
   * What names this taskmanager in its claims on operations (a random name when not given); one
   * restarted under the same name takes its operations back at once, not when their lease expires.
   */
  readonly owner?: string;
  /** Seconds a claim on an operation holds unless renewed (default 60); renewed every third. */
  readonly leaseSeconds?: number;
  /** Seconds after which an operation no taskmanager claimed is taken by the watch (default 30). */
  readonly unclaimedSeconds?: number;
}

export interface StepContext {
  readonly deps: TaskManagerDeps;
  /** Where a step waiting for the guest is woken by its heartbeat. */
  readonly waits: GuestWaits;
  readonly operation: Operation;
  readonly instance: Instance;
  readonly datastore: string;
  readonly version: string;
  readonly guest: GuestClient;
  readonly context: RequestContext;
}

/** One step of an operation; it may run again after a restart, so it must be safe to repeat. */
export interface Step {
  readonly name: string;
  run(ctx: StepContext): Promise<StepOutcome>;
}
