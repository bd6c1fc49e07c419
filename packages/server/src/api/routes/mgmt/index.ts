// Trove's management API (/v1.0/{tenant}/mgmt/...), which only admins reach: instances of every
// project and datastore versions. Quotas, also under /mgmt, have their own routes (quotas.ts).

import type { FastifyInstance } from 'fastify';
import type { InstanceDeps } from '../../../instances/deps.js';
import { mgmtDatastoreVersionRoutes } from './datastore-versions.js';
import { mgmtInstanceRoutes } from './instances.js';

export function mgmtRoutes(app: FastifyInstance, deps: InstanceDeps): void {
  mgmtInstanceRoutes(app, deps);
  mgmtDatastoreVersionRoutes(app, deps.db);
}
