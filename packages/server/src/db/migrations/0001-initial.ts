// The first schema: identity, flavors, datastores, instances and their statuses and faults,
// durable operations with their steps, conductor bookkeeping, quotas and root history.

import type { Kysely, Migration } from 'kysely';

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('projects')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('default_project_id', 'varchar(64)', (c) => c.references('projects.id'))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('role_assignments')
      .addColumn('user_id', 'varchar(64)', (c) =>
        c.notNull().references('users.id').onDelete('cascade'),
      )
      .addColumn('project_id', 'varchar(64)', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('role', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_assignments_pk', ['user_id', 'project_id', 'role'])
      .execute();
    await db.schema
      .createTable('tokens')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) =>
        c.notNull().references('users.id').onDelete('cascade'),
      )
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('tokens_expires').on('tokens').column('expires_at').execute();

    await db.schema
      .createTable('flavors')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('ram', 'integer', (c) => c.notNull())
      .addColumn('vcpus', 'integer', (c) => c.notNull())
      .addColumn('disk', 'integer', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('datastores')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('default_version_id', 'varchar(64)')
      .execute();
    await db.schema
      .createTable('datastore_versions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('datastore_id', 'varchar(64)', (c) => c.notNull().references('datastores.id'))
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('manager', 'varchar(64)', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addUniqueConstraint('datastore_versions_name', ['datastore_id', 'name'])
      .execute();

    await db.schema
      .createTable('instances')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('flavor_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('volume_size', 'integer')
      .addColumn('volume_type', 'varchar(255)')
      .addColumn('datastore_version_id', 'varchar(64)', (c) =>
        c.notNull().references('datastore_versions.id'),
      )
      .addColumn('task_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('server_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('address', 'varchar(64)')
      .addColumn('hostname', 'varchar(255)')
      .addColumn('access', 'text', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)')
      .addColumn('locality', 'varchar(32)')
      .addColumn('nics', 'text', (c) => c.notNull())
      .addColumn('security_rules', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('rpc_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('deleted_at', 'varchar(32)')
      .execute();
    // In the order the list pages walk, so a page reads its own rows and no sort is needed.
    await db.schema
      .createIndex('instances_tenant')
      .on('instances')
      .columns(['tenant_id', 'deleted_at', 'created_at', 'id'])
      .execute();
    await db.schema
      .createTable('service_statuses')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey().references('instances.id'))
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('instance_faults')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull().references('instances.id'))
      .addColumn('code', 'varchar(64)', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('instance_faults_instance')
      .on('instance_faults')
      .columns(['instance_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('operations')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull().references('instances.id'))
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('error_code', 'varchar(64)')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('operations_open')
      .on('operations')
      .columns(['status', 'created_at'])
      .execute();
    await db.schema
      .createIndex('operations_instance')
      .on('operations')
      .columns(['instance_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('operation_steps')
      .addColumn('operation_id', 'varchar(64)', (c) =>
        c.notNull().references('operations.id').onDelete('cascade'),
      )
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('started_at', 'varchar(32)')
      .addColumn('ended_at', 'varchar(32)')
      .addColumn('error_code', 'varchar(64)')
      .addColumn('error_message', 'text')
      .addPrimaryKeyConstraint('operation_steps_pk', ['operation_id', 'seq'])
      .execute();

    await db.schema
      .createTable('conductor_lastseen')
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('method', 'varchar(64)', (c) => c.notNull())
      .addColumn('sent', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('conductor_lastseen_pk', ['instance_id', 'method'])
      .execute();
    await db.schema
      .createTable('quotas')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('resource', 'varchar(32)', (c) => c.notNull())
      .addColumn('hard_limit', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('quotas_pk', ['tenant_id', 'resource'])
      .execute();
    await db.schema
      .createTable('quota_usages')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('resource', 'varchar(32)', (c) => c.notNull())
      .addColumn('in_use', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('quota_usages_pk', ['tenant_id', 'resource'])
      .execute();
    await db.schema
      .createTable('root_history')
      .addColumn('instance_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
};
