// An instance's operations, newest first, each with its steps: the timeline that clients read
// at /instances/{id}/operations. Only the project's own instances' operations are found.

import type { ProjectScope } from '../policy/admin-context.js';
import type { Kysely } from 'kysely';
import { NotFound } from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';
import { operationTimeline, type Timeline } from '../taskmanager/operations.js';
import type { InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';

/** Every operation of the project's instance `id`, newest first; 404 for no such instance. */
export async function instanceOperations(
  deps: Pick<InstanceDeps, 'db'>,
  tenant: ProjectScope,
  id: string,
): Promise<Timeline[]> {
  const row = await loadInstance(deps.db, tenant, id);
  return timelinesOf(deps.db, row.id);
}

/** Every operation of instance `instanceId` (deleted or not), newest first, with its steps. */
export async function timelinesOf(db: Kysely<Database>, instanceId: string): Promise<Timeline[]> {
  const operations = await db
    .selectFrom('operations')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  if (operations.length === 0) return [];
  const steps = await db
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
  tenant: ProjectScope,
  id: string,
  operationId: string,
): Promise<Timeline> {
  const row = await loadInstance(deps.db, tenant, id);
  const timeline = await operationTimeline(deps.db, operationId);
  if (timeline?.operation.instance_id !== row.id)
    throw new NotFound({ resource: 'Operation', id: operationId });
  return timeline;
}
