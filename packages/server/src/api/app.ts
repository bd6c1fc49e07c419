// The Trove v1.0 API as a Fastify application: fault bodies, authentication, the identity
// endpoint, the routes, and the OpenAPI document generated from the route schemas.

import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { Identity } from '../identity/identity.js';
import type { TokenValidator } from '../identity/keystone.js';
import { installAuth } from './auth.js';
import { installPolicy } from './policy-hook.js';
import { Policy } from '../policy/policy.js';
import { faultResponder, installFaults, type FaultLog, type RequestLimits } from './faults.js';
import { configurationRoutes } from './routes/configurations.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { datastoreRoutes, parameterRoutes } from './routes/datastores.js';
import { eventRoutes } from './routes/events.js';
import { flavorRoutes } from './routes/flavors.js';
import { backupRoutes } from './routes/backups.js';
import { guestLogRoutes } from './routes/guest-logs.js';
import { guestResourceRoutes } from './routes/guest-resources.js';
import { identityRoutes } from './routes/identity.js';
import { instanceRoutes, type InstanceDeps } from './routes/instances.js';
import { metricsRoutes } from './routes/metrics.js';
import { mgmtRoutes } from './routes/mgmt/index.js';
import { quotaRoutes } from './routes/quotas.js';
import { volumeTypeRoutes } from './routes/volume-types.js';
import { versionsRoutes } from './routes/versions.js';
import { installRateLimits, RateLimiter, type RateLimits } from './rate-limit.js';
import { Quotas, type QuotaDefaults } from '../quotas/quotas.js';

export const BODY_LIMIT = 1024 * 1024;

/**
 * Room for any id or name a client may put in a path, percent-encoded: Trove's clients look an
 * instance up by name through `GET /instances/{name}` and need a 404, not a refusal, to go on.
 */
export const MAX_PARAM_LENGTH = 4096;

const limits: RequestLimits = { bodyLimit: BODY_LIMIT, maxParamLength: MAX_PARAM_LENGTH };

export interface ApiDependencies {
  readonly db: Kysely<Database>;
  /** The control database's change stamp (ControlDatabase.changeStamp). */
  readonly changeStamp: () => Promise<string>;
  readonly identity: Identity;
  /** Validates X-Auth-Token: a real Keystone when configured, else the built-in identity. */
  readonly tokens?: TokenValidator;
  readonly publicEndpoint?: string;
  readonly log: FaultLog;
  readonly version: string;
  readonly instances: Omit<InstanceDeps, 'db' | 'changeStamp' | 'publicEndpoint' | 'quotas'>;
  readonly quotaDefaults: QuotaDefaults;
  /** Trove's rules with the operator's overrides; Trove's defaults when absent. */
  readonly policy?: Policy;
  /** `[identity] admin_token`, when set. */
  readonly adminToken?: string;
  /** `[DEFAULT] metrics_token`, when set: reads /metrics and nothing else. */
  readonly metricsToken?: string;
  readonly rateLimits: RateLimits;
}

/** Trove's defaults, for builds of the API without a configuration (tests, the OpenAPI document). */
export const troveQuotaDefaults: QuotaDefaults = {
  instances: 10,
  ram: -1,
  volumes: 40,
  backups: 50,
};
export const troveRateLimits: RateLimits = {
  get: 200,
  post: 200,
  put: 200,
  delete: 200,
  mgmtPost: 200,
};

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own refusals (a bad URL encoding, an over-long segment) are faults too.
    frameworkErrors: faultResponder(limits, deps.log),
    // Bodies are checked as sent: no coercion, no silently dropped fields, every problem named.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        allErrors: true,
        useDefaults: true,
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Cellar: the Trove v1.0 API',
        version: deps.version,
        description: "OpenStack Trove's database API as Cellar serves it.",
      },
      components: {
        securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
      },
      security: [{ token: [] }],
    },
  });
  // Bodies are JSON only: anything else is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain');
  installFaults(app, limits, deps.log);
  installAuth(app, deps.tokens ?? deps.identity, deps.adminToken);
  const limiter = new RateLimiter(deps.rateLimits);
  installRateLimits(app, limiter);
  const policy = deps.policy ?? new Policy();
  installPolicy(app, policy);
  metricsRoutes(app, {
    db: deps.db,
    tokens: deps.tokens ?? deps.identity,
    adminToken: deps.adminToken,
    metricsToken: deps.metricsToken,
    heartbeatExpiry: deps.instances.heartbeatExpiry,
  });
  const quotas = new Quotas(deps.db, deps.quotaDefaults);
  versionsRoutes(app, deps.publicEndpoint);
  // With a real Keystone, tokens come from it: the built-in endpoint would only confuse clients.
  if (!deps.tokens) identityRoutes(app, deps.identity, deps.publicEndpoint);
  flavorRoutes(app, deps.db, deps.publicEndpoint);
  datastoreRoutes(
    app,
    deps.db,
    deps.publicEndpoint,
    (name) => deps.instances.datastores.get(name)?.unavailable,
  );
  quotaRoutes(app, quotas, limiter);
  volumeTypeRoutes(app);
  const instanceDeps = {
    ...deps.instances,
    quotas,
    db: deps.db,
    changeStamp: deps.changeStamp,
    ...(deps.publicEndpoint === undefined ? {} : { publicEndpoint: deps.publicEndpoint }),
  };
  instanceRoutes(app, instanceDeps);
  configurationRoutes(app, instanceDeps);
  parameterRoutes(app, instanceDeps);
  guestResourceRoutes(app, instanceDeps);
  guestLogRoutes(app, instanceDeps);
  backupRoutes(app, instanceDeps, policy);
  mgmtRoutes(app, instanceDeps);
  eventRoutes(app, instanceDeps, deps.log);
  dashboardRoutes(app, deps.identity, deps.tokens, deps.publicEndpoint);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}

/** The OpenAPI document of this build, from an API over an empty in-memory database. */
export async function openApiDocument(): Promise<unknown> {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  try {
    await migrateToLatest(control.db);
    const app = await buildApi({
      db: control.db,
      changeStamp: control.changeStamp,
      identity: new Identity(control.db, 60),
      log: { error: () => undefined },
      version: '0.1.0',
      instances: {
        heartbeatExpiry: 90,
        maxVolumeSize: 10,
        controlKey: 'openapi',
        datastores: new Map(),
        runOperation: async () => undefined,
        guest: () => {
          throw new Error('no guests in the OpenAPI build');
        },
      },
      quotaDefaults: troveQuotaDefaults,
      rateLimits: troveRateLimits,
    });
    const document = app.swagger();
    await app.close();
    return document;
  } finally {
    await control.close();
  }
}
