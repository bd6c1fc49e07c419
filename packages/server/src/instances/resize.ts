// Resizing an instance, Trove's `resize` action: a new flavor (the guest derives its memory
// settings again and restarts its server) or a larger volume (grow only). The quota of what grows
// is taken in the transaction that starts the operation; the taskmanager gives it back on failure.

import type { Transaction } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  BadRequest,
  DatastoreOperationNotSupported,
  InstanceBusy,
  VolumeTooLarge,
} from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';
import type { ProjectScope } from '../policy/admin-context.js';
import type { Quotas } from '../quotas/quotas.js';
import { FlavorResizeRequest, VolumeResizeRequest } from '../taskmanager/resize-steps.js';
import type { InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';
import { startOperation } from './start-operation.js';
import { openOperationStatuses } from './states.js';
import { canPerformAction } from './status.js';
import { statusOf, type InstanceRow } from './views.js';

/** `{"resize": {...}}`: exactly one of a flavor and a volume size, as Trove takes them. */
export const resizeRequest = Type.Object(
  {
    flavorRef: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Integer()], {
        description: "The new flavor's id, or a link ending in it",
      }),
    ),
    volume: Type.Optional(
      Type.Object(
        { size: Type.Integer({ minimum: 1, description: 'The new size in GB: larger only' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ResizeRequest = Static<typeof resizeRequest>;

/** Starts the resize; answers the operation's id. */
export async function resizeInstance(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
  body: ResizeRequest,
): Promise<string> {
  if ((body.flavorRef === undefined) === (body.volume === undefined))
    throw new BadRequest({
      reason:
        'A resize names one thing to resize: {"resize": {"flavorRef": "<flavor id>"}} or {"resize": {"volume": {"size": <GB>}}}.',
    });
  const row = await loadInstance(deps.db, tenant, id);
  return body.volume !== undefined
    ? resizeVolume(deps, row, body.volume.size)
    : resizeFlavor(deps, row, body.flavorRef ?? '');
}

/** Refused (422) unless the instance is ACTIVE with no task, as Trove's actions are. */
function checkActionable(deps: InstanceDeps, row: InstanceRow): void {
  if (!canPerformAction(statusOf(row, new Date(), deps.heartbeatExpiry)))
    throw new InstanceBusy({ id: row.id, taskStatus: row.task_status });
}

async function resizeVolume(deps: InstanceDeps, row: InstanceRow, size: number): Promise<string> {
  const current = row.volume_size;
  if (current === null || deps.datastores.get(row.datastore)?.volumeSupport === false)
    throw new BadRequest({ reason: `Instance ${row.id} has no volume to resize.` });
  if (size <= current)
    throw new BadRequest({
      reason: `The volume of instance ${row.id} is ${current} GB: a resize must ask for more (volumes only grow), not ${size} GB.`,
    });
  if (size > deps.maxVolumeSize) throw new VolumeTooLarge({ size, max: deps.maxVolumeSize });
  checkActionable(deps, row);
  const request: VolumeResizeRequest = { oldSize: current, newSize: size };
  const started = await startOperation(deps, row.id, 'resize_volume', 'RESIZING', {
    record: async (trx) => {
      await deps.quotas.consume(trx, row.tenant_id, { volumes: size - current });
      return request;
    },
  });
  return started.operationId;
}

async function resizeFlavor(
  deps: InstanceDeps,
  row: InstanceRow,
  flavorRef: string | number,
): Promise<string> {
  if (!deps.datastores.get(row.datastore)?.capabilities.includes('flavor-resize'))
    throw new DatastoreOperationNotSupported({ operation: 'resize', datastore: row.datastore });
  const flavorId = String(flavorRef).split('/').at(-1) ?? '';
  const flavors = await deps.db
    .selectFrom('flavors')
    .select(['id', 'ram'])
    .where('id', 'in', [flavorId, row.flavor_id])
    .execute();
  const next = flavors.find((f) => f.id === flavorId);
  const old = flavors.find((f) => f.id === row.flavor_id);
  if (next === undefined)
    throw new BadRequest({ reason: `Flavor ${flavorId} does not exist: GET /flavors lists them.` });
  if (flavorId === row.flavor_id)
    throw new BadRequest({
      reason: `Instance ${row.id} already has flavor ${flavorId}: name another flavor.`,
    });
  checkActionable(deps, row);
  const oldRamMb = old?.ram ?? next.ram;
  const request: FlavorResizeRequest = {
    oldFlavorId: row.flavor_id,
    oldRamMb,
    newFlavorId: next.id,
    newRamMb: next.ram,
  };
  const started = await startOperation(deps, row.id, 'resize_flavor', 'RESIZING', {
    record: async (trx) => {
      // Only growth is taken now; what a smaller flavor frees is given back once it is applied.
      await deps.quotas.consume(trx, row.tenant_id, { ram: Math.max(0, next.ram - oldRamMb) });
      return request;
    },
  });
  return started.operationId;
}

/**
 * An administrator's reset ends an open resize where it stands: the quota it took for what was
 * not applied (the size or flavor not recorded yet) is given back, in the reset's transaction.
 */
export async function releaseOpenResize(
  trx: Transaction<Database>,
  quotas: Quotas,
  row: Pick<InstanceRow, 'id' | 'tenant_id' | 'volume_size' | 'flavor_id'>,
): Promise<void> {
  const open = await trx
    .selectFrom('operations')
    .select(['kind', 'request'])
    .where('instance_id', '=', row.id)
    .where('status', 'in', openOperationStatuses)
    .where('kind', 'in', ['resize_volume', 'resize_flavor'])
    .executeTakeFirst();
  if (open === undefined) return;
  const request: unknown = JSON.parse(open.request);
  if (Value.Check(VolumeResizeRequest, request) && row.volume_size !== request.newSize)
    await quotas.release(trx, row.tenant_id, { volumes: request.newSize - request.oldSize });
  if (Value.Check(FlavorResizeRequest, request) && row.flavor_id !== request.newFlavorId)
    await quotas.release(trx, row.tenant_id, {
      ram: Math.max(0, request.newRamMb - request.oldRamMb),
    });
}
