// Creating an instance: the request is checked (create-checks.ts), then quota, the instance, its
// service status, root history and the create operation are written in one transaction, so a
// refused request leaves nothing; the taskmanager then builds the server.

import { randomUUID } from 'node:crypto';
import { resolveRestorePoint } from '../backups/restore-point.js';
import { configurationForCreate } from '../configurations/attach.js';
import { now, type NewInstance } from '../db/schema.js';
import { generatePassword } from '../identity/passwords.js';
import { newInstanceKey, seal } from '../secrets.js';
import { Operations } from '../taskmanager/operations.js';
import { stepsOf, type CreateRequest } from '../taskmanager/taskmanager.js';
import { createReplicas } from '../replication/create-replicas.js';
import { accessValue } from './access.js';
import { planCreate, type CreatePlan } from './create-checks.js';
import type { Caller, InstanceDeps } from './deps.js';
import { toDatabaseSpec, toUserSpec, type CreateInstanceRequest } from './requests.js';

export interface CreatedInstance {
  readonly id: string;
  readonly operationId: string;
  /** The generated root password, when the datastore enables root on create: shown once. */
  readonly rootPassword?: string;
}

export async function createInstance(
  deps: InstanceDeps,
  caller: Caller,
  tenant: string,
  body: CreateInstanceRequest,
): Promise<CreatedInstance> {
  if (body.replica_of !== undefined) return createReplicas(deps, tenant, body);
  const plan = await planCreate(deps, body);
  const configuration =
    body.configuration === undefined
      ? null
      : await configurationForCreate(
          deps,
          tenant,
          body.configuration,
          { id: plan.version.id, datastore: plan.datastore, version: plan.version.name },
          plan.flavor,
        );
  const access = accessValue(body.access);
  const restore =
    body.restorePoint === undefined
      ? undefined
      : await resolveRestorePoint(
          deps,
          tenant,
          body.restorePoint,
          plan.datastore,
          body.volume?.size,
        );
  // A restored instance keeps the root of the data it restores: root_on_create is not applied.
  const rootPassword =
    plan.policy.rootOnCreate && restore === undefined
      ? generatePassword(plan.policy.passwordLength)
      : undefined;
  const operationRequest: CreateRequest = {
    databases: (body.databases ?? []).map(toDatabaseSpec),
    users: (body.users ?? []).map(toUserSpec),
    ...(rootPassword === undefined
      ? {}
      : { sealedRootPassword: seal(deps.controlKey, rootPassword) }),
    ...(restore === undefined ? {} : { restore }),
  };
  const id = randomUUID();
  const operationId = await deps.db.transaction().execute(async (trx) => {
    await deps.quotas.consume(trx, tenant, {
      instances: 1,
      ram: plan.flavor.ram,
      volumes: body.volume?.size ?? 0,
    });
    const at = now();
    await trx
      .insertInto('instances')
      .values({
        ...instanceRecord(deps, tenant, body, plan),
        id,
        access: JSON.stringify(access),
        configuration_id: configuration,
      })
      .execute();
    await trx
      .insertInto('service_statuses')
      .values({ instance_id: id, status: 'new', updated_at: at })
      .execute();
    if (rootPassword !== undefined)
      await trx
        .insertInto('root_history')
        .values({ instance_id: id, user_id: caller.userId, created_at: at })
        .execute();
    return new Operations(deps.db, deps.controlKey).create(
      trx,
      id,
      'create',
      operationRequest,
      stepsOf.create,
    );
  });
  await deps.runOperation(operationId);
  return { id, operationId, ...(rootPassword === undefined ? {} : { rootPassword }) };
}

/** The new instance's columns besides its id and access: building, no server yet. */
export function instanceRecord(
  deps: InstanceDeps,
  tenant: string,
  body: CreateInstanceRequest,
  plan: CreatePlan,
): Omit<NewInstance, 'id' | 'access'> {
  const at = now();
  return {
    name: body.name,
    tenant_id: tenant,
    flavor_id: plan.flavor.id,
    volume_size: body.volume?.size ?? null,
    volume_type: body.volume?.type ?? null,
    datastore_version_id: plan.version.id,
    task_status: 'BUILDING',
    server_status: 'BUILD',
    address: null,
    hostname: null,
    availability_zone: body.availability_zone ?? null,
    locality: body.locality ?? null,
    nics: JSON.stringify(body.nics ?? []),
    security_rules: '[]',
    rpc_key: seal(deps.controlKey, newInstanceKey()),
    created_at: at,
    updated_at: at,
    deleted_at: null,
  };
}
