// What a create request is checked against before anything is written: the datastore and its
// version, what the datastore can do, the flavor and volume, and the datastore's naming rules.
// Each refusal names the field and the value, so a caller can correct the request.

import {
  BadRequest,
  DatastoreOperationNotSupported,
  DatastoreNotFound,
  DatastoreVersionInactive,
  NotFound,
  ValidationFailed,
  VolumeTooLarge,
  type Capability,
} from '@cellar/plugin-api';
import type { Selectable } from 'kysely';
import { describeUnavailable } from '../datastores/availability.js';
import type { DatastoreVersionTable, Flavor } from '../db/schema.js';
import type { DatastorePolicy, InstanceDeps } from './deps.js';
import { nameProblems, type CreateInstanceRequest } from './requests.js';

/** What a create request resolves to. */
export interface CreatePlan {
  readonly datastore: string;
  readonly policy: DatastorePolicy;
  readonly version: Selectable<DatastoreVersionTable>;
  readonly flavor: Flavor;
}

export async function planCreate(
  deps: InstanceDeps,
  body: CreateInstanceRequest,
): Promise<CreatePlan> {
  const names = [...deps.datastores.keys()];
  const type = body.datastore?.type ?? (names.length === 1 ? names[0] : undefined);
  if (type === undefined)
    throw new BadRequest({
      reason: `instance.datastore.type is required: one of ${names.join(', ')}`,
    });
  const datastore = await deps.db
    .selectFrom('datastores')
    .selectAll()
    .where((eb) => eb.or([eb('name', '=', type), eb('id', '=', type)]))
    .executeTakeFirst();
  // Looked up by the datastore's name, so a request that names it by id finds it too.
  const policy = datastore && deps.datastores.get(datastore.name);
  if (!policy || !datastore)
    throw new DatastoreNotFound({ id: type, offered: names.join(', ') || 'none' });
  // What the datastore does not support is refused before anything else happens.
  checkCapabilities(body, policy, datastore.name);
  // A host without the server's binaries is said so here, not by a prepare that fails later.
  if (policy.unavailable)
    throw new BadRequest({
      reason: `datastore ${datastore.name} is unavailable on this host: ${describeUnavailable(policy.unavailable)}`,
    });
  const versions = await deps.db
    .selectFrom('datastore_versions')
    .selectAll()
    .where('datastore_id', '=', datastore.id)
    .execute();
  const wanted = body.datastore?.version ?? body.datastore?.version_number;
  const version =
    wanted === undefined
      ? versions.find((v) => v.id === datastore.default_version_id)
      : versions.find((v) => v.id === wanted || v.name === wanted);
  if (!version) {
    throw wanted === undefined
      ? new BadRequest({
          reason: `datastore ${datastore.name} has no version installed on this host`,
        })
      : new NotFound({ resource: 'Datastore version', id: `${datastore.name} ${wanted}` });
  }
  if (version.active !== 1)
    throw new DatastoreVersionInactive({
      datastore: datastore.name,
      version: version.name,
      reason:
        version.disabled === 1 ? 'an administrator disabled it' : 'this host no longer has it',
      active:
        versions
          .filter((v) => v.active === 1)
          .map((v) => v.name)
          .join(', ') || 'none',
    });
  const flavor = await findFlavor(deps, body.flavorRef);
  checkVolume(deps, body, policy, datastore.name);
  checkNames(body, policy, datastore.name);
  return { datastore: datastore.name, policy, version, flavor };
}

function checkCapabilities(
  body: CreateInstanceRequest,
  policy: DatastorePolicy,
  datastore: string,
): void {
  const need = (capability: Capability, operation: string): void => {
    if (!policy.capabilities.includes(capability))
      throw new DatastoreOperationNotSupported({ operation, datastore });
  };
  if (body.restorePoint) need('restore', 'restore');
  if (body.replica_count !== undefined)
    throw new BadRequest({
      reason: 'replica_count is only for creating replicas: give replica_of too',
    });
  if (body.configuration !== undefined) need('configuration', 'configuration_attach');
  if (body.modules !== undefined && body.modules.length > 0) need('modules', 'module_apply');
  if (body.databases && body.databases.length > 0) need('databases', 'database_create');
  if (body.users && body.users.length > 0) need('users', 'user_create');
}

/** `flavorRef` is an id or a link ending in one, as python-troveclient sends either. */
export async function findFlavor(
  deps: InstanceDeps,
  flavorRef: string | number | undefined,
): Promise<Flavor> {
  if (flavorRef === undefined)
    throw new ValidationFailed({
      problems:
        'body.instance.flavorRef: give the flavor, an id or a link (only a replica may leave it out)',
    });
  const flavorId = String(flavorRef).split('/').at(-1) ?? '';
  const flavor = await deps.db
    .selectFrom('flavors')
    .selectAll()
    .where('id', '=', flavorId)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (!flavor) throw new NotFound({ resource: 'Flavor', id: flavorId });
  return flavor;
}

function checkVolume(
  deps: InstanceDeps,
  body: CreateInstanceRequest,
  policy: DatastorePolicy,
  datastore: string,
): void {
  if (body.volume && !policy.volumeSupport)
    throw new DatastoreOperationNotSupported({ operation: 'volume', datastore });
  if (body.volume && body.volume.size > deps.maxVolumeSize)
    throw new VolumeTooLarge({ size: body.volume.size, max: deps.maxVolumeSize });
  if (!body.volume && policy.volumeSupport)
    throw new ValidationFailed({
      problems: `body.instance.volume: the ${datastore} datastore keeps its data on a volume: give volume.size in GB`,
    });
}

/** The datastore's naming rules, no duplicates, grants only to databases the request creates. */
function checkNames(body: CreateInstanceRequest, policy: DatastorePolicy, datastore: string): void {
  const problems: string[] = [];
  const dbNames = (body.databases ?? []).map((d) => d.name);
  body.databases?.forEach((d, i) =>
    problems.push(
      ...nameProblems(
        'database',
        `body.instance.databases[${i}].name`,
        d.name,
        policy.nameRules?.database,
        datastore,
      ),
    ),
  );
  body.users?.forEach((u, i) => {
    const field = `body.instance.users[${i}]`;
    problems.push(
      ...nameProblems('user', `${field}.name`, u.name, policy.nameRules?.user, datastore),
    );
    for (const d of u.databases ?? [])
      if (!dbNames.includes(d.name))
        problems.push(`${field}.databases: '${d.name}' is not in instance.databases`);
  });
  const twice = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
  for (const d of twice(dbNames)) problems.push(`body.instance.databases: '${d}' is given twice`);
  for (const u of twice((body.users ?? []).map((x) => `${x.name}@${x.host ?? '%'}`)))
    problems.push(`body.instance.users: '${u}' is given twice`);
  if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });
}
