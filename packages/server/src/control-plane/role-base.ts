// What every role of a control-plane process (conductor, taskmanager, API) is built from: the
// configuration, the control database, the transport, the control key and the shared settings.

import type { Logger } from 'pino';
import type { Configuration } from '@cellar/config';
import type { Transport } from '@cellar/rpc';
import type { DatastorePolicy } from '../api/routes/instances.js';
import type { BackupStorages } from '../backups/storages.js';
import type { ControlDatabase } from '../db/connect.js';
import type { QuotaDefaults } from '../quotas/quotas.js';

export interface RoleBase {
  readonly config: Configuration;
  readonly control: ControlDatabase;
  readonly transport: Transport;
  readonly controlKey: string;
  readonly statePath: string;
  readonly appRoot: string;
  /** The enabled datastores' policies, by name. */
  readonly policies: ReadonlyMap<string, DatastorePolicy>;
  /** Each datastore's default version, as `datastore show` gives it. */
  readonly defaultVersions: Readonly<Record<string, string>>;
  readonly quotaDefaults: QuotaDefaults;
  readonly guestTimeouts: { readonly low: number; readonly high: number };
  readonly log: Logger;
  /** Where backups are kept; undefined when no storage is installed (backups are refused). */
  readonly storages: BackupStorages | undefined;
}
