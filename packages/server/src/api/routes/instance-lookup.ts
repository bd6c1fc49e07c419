// Reading an instance with its datastore, version and service status: shared by the instance
// routes and the routes for its databases, users and root. Only the columns views and checks
// use are read: materialising rows is most of what a list costs.

import type { Kysely } from 'kysely';
import { NotFound } from '@cellar/plugin-api';
import type { Database } from '../../db/schema.js';
import type { InstanceRow } from '../../instances/views.js';

export function instanceRows(db: Kysely<Database>) {
  return db
    .selectFrom('instances')
    .innerJoin('datastore_versions', 'datastore_versions.id', 'instances.datastore_version_id')
    .innerJoin('datastores', 'datastores.id', 'datastore_versions.datastore_id')
    .innerJoin('service_statuses', 'service_statuses.instance_id', 'instances.id')
    .select([
      'instances.id',
      'instances.name',
      'instances.tenant_id',
      'instances.flavor_id',
      'instances.volume_size',
      'instances.datastore_version_id',
      'instances.task_status',
      'instances.server_status',
      'instances.address',
      'instances.hostname',
      'instances.access',
      'instances.locality',
      'instances.rpc_key',
      'instances.created_at',
      'instances.updated_at',
    ])
    .select(['datastores.name as datastore', 'datastore_versions.name as version', 'service_statuses.status as service_status', 'service_statuses.updated_at as service_updated_at'])
    .where('instances.deleted_at', 'is', null);
}

/** The project's instance, or 404: another project's instance is indistinguishable from none. */
export async function loadInstance(db: Kysely<Database>, tenant: string, id: string): Promise<InstanceRow> {
  const row = await instanceRows(db).where('instances.id', '=', id).where('instances.tenant_id', '=', tenant).executeTakeFirst();
  if (!row) throw new NotFound({ resource: 'Instance', id });
  return row;
}
