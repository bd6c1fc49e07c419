// An instance's operations, newest first, each with its steps: the timeline that clients read
// at /instances/{id}/operations. Only the project's own instances' operations are found.

import { NotFound } from '@cellar/plugin-api';
import { operationTimeline, type Timeline } from '../taskmanager/operations.js';
import type { InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';

/** Every operation of the project's instance `id`, newest first; 404 for no such instance. */
export async function instanceOperations(
  deps: Pick<InstanceDeps, 'db'>,
  tenant: string,
  id: string,
): Promise<Timeline[]> {
  const row = await loadInstance(deps.db, tenant, id);
  const operations = await deps.db
    .selectFrom('operations')
    .selectAll()
    .where('instance_id', '=', row.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  if (operations.length === 0) return [];
  const steps = await deps.db
    .selectFrom('operation_steps')
    .selectAll()
    .where(
      'operation_id',
      'in',
      operations.map((o) => o.id),
    )
    .orderBy('operation_id')
    .orderBy('seq')
    .execute();
  return operations.map((operation) => ({
    operation,
    steps: steps.filter((s) => s.operation_id === operation.id),
  }));
}

/** Operation `operationId` of the project's instance `id`; 404 when either is not there. */
export async function instanceOperation(
  deps: Pick<InstanceDeps, 'db'>,
  tenant: string,
  id: string,
  operationId: string,
): Promise<Timeline> {
  const row = await loadInstance(deps.db, tenant, id);
  const timeline = await operationTimeline(deps.db, operationId);
  if (timeline?.operation.instance_id !== row.id)
    throw new NotFound({ resource: 'Operation', id: operationId });
  return timeline;
}
