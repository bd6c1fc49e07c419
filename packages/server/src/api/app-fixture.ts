// The API over an in-memory control database, for the API's own tests: an admin with a known
// password, PostgreSQL in the catalog with one active and one inactive version, no guests.

import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { defineDatastoreServer } from '@cellar/plugin-api';
import { syncCatalog } from '../datastores/catalog.js';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { Identity } from '../identity/identity.js';
import type { Policy } from '../policy/policy.js';
import { buildApi, troveQuotaDefaults, troveRateLimits } from './app.js';
import type { RateLimits } from './rate-limit.js';

export interface TestApi {
  readonly app: FastifyInstance;
  readonly control: ControlDatabase;
  readonly identity: Identity;
  readonly adminProject: string;
  /** A token from the API's own identity endpoint, asserting it was issued. */
  readonly token: (user: string, password: string, project: string) => Promise<string>;
  close(): Promise<void>;
}

const quiet = { error: () => undefined };

/** The API alone, for another test's own policy or rate limits, over a given control database. */
export function buildTestApi(
  control: ControlDatabase,
  identity: Identity,
  options: { readonly policy?: Policy; readonly rateLimits?: RateLimits } = {},
): Promise<FastifyInstance> {
  const { policy, rateLimits = troveRateLimits } = options;
  return buildApi({
    db: control.db,
    changeStamp: control.changeStamp,
    identity,
    log: quiet,
    version: '0.1.0',
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey: 'test-control-key',
      datastores: new Map(),
      runOperation: async () => undefined,
      guest: () => {
        throw new Error('no guests here');
      },
    },
    quotaDefaults: troveQuotaDefaults,
    rateLimits,
    ...(policy ? { policy } : {}),
  });
}

export async function startTestApi(): Promise<TestApi> {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  const identity = new Identity(control.db, 3600);
  await identity.bootstrap('admin-secret');
  const { id: adminProject } = await control.db
    .selectFrom('projects')
    .select('id')
    .where('name', '=', 'admin')
    .executeTakeFirstOrThrow();
  await syncCatalog(control.db, [
    {
      name: 'postgresql',
      package: '@cellar/datastore-postgresql',
      version: '0.1.0',
      capabilities: [],
      server: defineDatastoreServer({
        name: 'postgresql',
        versions: async () => [
          { name: '16', location: '/pg16', active: true },
          { name: '15', location: '/pg15', active: false },
        ],
      }),
    },
  ]);
  const app = await buildTestApi(control, identity);
  const token = async (user: string, password: string, project: string): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          scope: { project: { name: project, domain: { id: 'default' } } },
        },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return String(res.headers['x-subject-token']);
  };
  return {
    app,
    control,
    identity,
    adminProject,
    token,
    close: async () => {
      await app.close();
      await control.close();
    },
  };
}
