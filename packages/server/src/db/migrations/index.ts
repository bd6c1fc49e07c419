// Every migration of the control database, in order. Names never change once released.

import type { Migration } from 'kysely';
import { initial } from './0001-initial.js';
import { flavors } from './0002-flavors.js';
import { oneOpenOperation } from './0003-one-open-operation.js';
import { operationSecrets } from './0004-operation-secrets.js';
import { operationLeases } from './0005-operation-leases.js';
import { backups } from './0006-backups.js';
import { backupLeftovers } from './0007-backup-leftovers.js';
import { configurations } from './0008-configurations.js';
import { replication } from './0009-replication.js';
import { mgmt } from './0011-mgmt.js';
import { events } from './0012-events.js';
import { metrics } from './0013-metrics.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-flavors': flavors,
  '0003-one-open-operation': oneOpenOperation,
  '0004-operation-secrets': operationSecrets,
  '0005-operation-leases': operationLeases,
  '0006-backups': backups,
  '0007-backup-leftovers': backupLeftovers,
  '0008-configurations': configurations,
  '0009-replication': replication,
  '0011-mgmt': mgmt,
  '0012-events': events,
  '0013-metrics': metrics,
};
