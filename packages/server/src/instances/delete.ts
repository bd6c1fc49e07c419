// Deleting an instance: one delete operation that the taskmanager carries out (database stopped,
// server and volume removed, records marked deleted, quota given back).

import type { ProjectScope } from '../policy/admin-context.js';
import type { InstanceDeps } from './deps.js';
import { refuseSourceDelete } from '../replication/actions.js';
import { loadInstance } from './lookup.js';
import { startOperation } from './start-operation.js';

/**
 * Starts the instance's deletion, in any state; a delete already under way is the answer to a
 * repeated one. Refused (InstanceBusy, 422) while another kind of operation is open.
 */
export async function deleteInstance(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
): Promise<string> {
  const row = await loadInstance(deps.db, tenant, id);
  await refuseSourceDelete(deps, row.id);
  const started = await startOperation(deps, row.id, 'delete', 'DELETING', { joinSame: true });
  return started.operationId;
}
