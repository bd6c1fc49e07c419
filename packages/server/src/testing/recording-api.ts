// The API over a control database whose operations are recorded and never run (no taskmanager,
// no guests), PostgreSQL 15 in its catalog: for tests of routes and of operation bookkeeping.

import type { FastifyInstance } from 'fastify';
import { buildApi, troveQuotaDefaults, troveRateLimits } from '../api/app.js';
import type { ControlDatabase } from '../db/connect.js';
import { Identity } from '../identity/identity.js';
import { insertDatastoreVersion } from './instance-fixture.js';

/** Adds PostgreSQL 15 to the (migrated) control database and builds the API over it. */
export async function recordingApi(
  control: ControlDatabase,
  adminToken: string,
): Promise<FastifyInstance> {
  await insertDatastoreVersion(control.db);
  return buildApi({
    db: control.db,
    changeStamp: control.changeStamp,
    identity: new Identity(control.db, 60),
    log: { error: () => undefined },
    version: 'test',
    adminToken,
    quotaDefaults: troveQuotaDefaults,
    rateLimits: troveRateLimits,
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey: 'recording-api-key',
      datastores: new Map([
        [
          'postgresql',
          {
            capabilities: [],
            rootOnCreate: false,
            passwordLength: 16,
            volumeSupport: true,
            tcpPorts: [],
            udpPorts: [],
            usageTimeout: 10,
          },
        ],
      ]),
      runOperation: async () => undefined,
      guest: () => {
        throw new Error('no guests here');
      },
    },
  });
}
