// What the instance services need from the rest of the control plane, and who is asking: the
// API builds these once, and a console, a CLI or a test can build them without HTTP.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  Capability,
  DatastoreConfiguration,
  DatastoreUnavailable,
  NameRule,
  PointInTimeRecovery,
  PortRange,
} from '@cellar/plugin-api';
import type { GuestClient, RequestContext } from '@cellar/rpc';
import type { Database, Instance } from '../db/schema.js';
import type { TokenInfo } from '../identity/identity.js';
import type { BackupStorages } from '../backups/storages.js';
import type { Quotas } from '../quotas/quotas.js';

export interface DatastorePolicy {
  readonly capabilities: readonly Capability[];
  readonly nameRules?: { readonly database?: NameRule; readonly user?: NameRule };
  readonly rootOnCreate: boolean;
  readonly passwordLength: number;
  readonly volumeSupport: boolean;
  readonly tcpPorts: readonly PortRange[];
  readonly udpPorts: readonly PortRange[];
  /** Seconds the taskmanager waits for a new instance's guest to report healthy. */
  readonly usageTimeout: number;
  /** The datastore's `backup_strategy` option; backups are refused (501) when it is empty. */
  readonly backupStrategy?: string;
  /**
   * The datastore's point-in-time recovery, while its server option `wal_archiving` is on: the
   * instance detail shows the recoverable window and restore times are checked against it.
   */
  readonly pointInTime?: PointInTimeRecovery;
  /** Why this host cannot run the datastore: creates are refused with it. */
  readonly unavailable?: DatastoreUnavailable;
  /** The datastore's configuration parameters per version (configuration groups). */
  readonly configuration?: DatastoreConfiguration;
}

export interface InstanceDeps {
  readonly db: Kysely<Database>;
  /** The control database's change stamp: reads are done again only after it moves. */
  readonly changeStamp: () => Promise<string>;
  readonly publicEndpoint?: string;
  readonly heartbeatExpiry: number;
  readonly controlKey: string;
  readonly datastores: ReadonlyMap<string, DatastorePolicy>;
  /** Hands an operation to the taskmanager; if that fails the operation waits for its resume. */
  readonly runOperation: (operationId: string) => Promise<void>;
  readonly quotas: Quotas;
  readonly maxVolumeSize: number;
  /** A client for an instance's guest, signed with its key. */
  readonly guest: (instance: Pick<Instance, 'id' | 'rpc_key'>) => GuestClient;
  readonly pageSize?: number;
  /** Where backups are kept; backups and restores are refused (501) without. */
  readonly storages?: BackupStorages;
}

/** Who asks: the project acted on is always given apart, as the path (or the CLI) names it. */
export type Caller = Pick<TokenInfo, 'projectId' | 'userId' | 'roles'>;

/** The context a guest call carries on the caller's behalf. */
export function guestContext(caller: Caller): RequestContext {
  return {
    requestId: randomUUID(),
    projectId: caller.projectId,
    userId: caller.userId,
    roles: [...caller.roles],
  };
}
