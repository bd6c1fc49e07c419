// The API's part of a control-plane process: identity (built in, bootstrapped on first start,
// or a real Keystone), the Trove API with its policy and rate limits, the hand-over of new
// operations to the taskmanager, and clouds.yaml on first start.

import { isAbsolute, resolve } from 'node:path';
import { GuestClient, RpcClient } from '@cellar/rpc';
import { buildApi } from '../api/app.js';
import { Identity } from '../identity/identity.js';
import { KeystoneValidator } from '../identity/keystone.js';
import { identityGroup, serverDefaults } from '../options.js';
import { Policy } from '../policy/policy.js';
import { unseal } from '../secrets.js';
import { TASKMANAGER_TOPIC } from '../taskmanager/taskmanager.js';
import { writeCloudsYaml } from './clouds-yaml.js';
import type { OpenParts } from './open-parts.js';
import type { RoleBase } from './role-base.js';

export interface ApiRoleOptions extends RoleBase {
  readonly version: string;
}

export interface StartedApi {
  readonly endpoint: string;
  /** Set on first start only: the generated admin password, to be shown once. */
  readonly generatedPassword?: string;
  readonly cloudsYaml?: string;
}

function keystoneValidator(o: {
  keystone_url?: string;
  keystone_username: string;
  keystone_password?: string;
  keystone_project_name: string;
  keystone_domain_name: string;
  keystone_cache_time: number;
  keystone_timeout: number;
}): KeystoneValidator {
  if (o.keystone_password === undefined)
    throw new Error(
      '[identity] keystone_url needs [identity] keystone_password for the service user',
    );
  return new KeystoneValidator({
    url: o.keystone_url ?? '',
    username: o.keystone_username,
    password: o.keystone_password,
    projectName: o.keystone_project_name,
    domainName: o.keystone_domain_name,
    cacheSeconds: o.keystone_cache_time,
    timeoutSeconds: o.keystone_timeout,
  });
}

/**
 * Casts an operation to the taskmanager; when the cast is lost, a taskmanager's watch takes the
 * operation once nobody has claimed it for 30 seconds (or at its start).
 */
function operationRunner(o: ApiRoleOptions): (operationId: string) => Promise<void> {
  const client = new RpcClient({ transport: o.transport, key: o.controlKey });
  return async (operationId) => {
    try {
      await client.cast(
        TASKMANAGER_TOPIC,
        'run_operation',
        { operation_id: operationId },
        { context: { requestId: operationId } },
      );
    } catch (error) {
      o.log.warn(
        { err: error, operation: operationId },
        'the taskmanager is not reachable; a taskmanager takes the operation within a minute',
      );
    }
  };
}

/** The URL the API answers on: the public endpoint when one is set, else the bind address. */
function endpointOf(defaults: { public_endpoint?: string; bind_host: string; bind_port: number }) {
  const host = defaults.bind_host.includes(':') ? `[${defaults.bind_host}]` : defaults.bind_host;
  return defaults.public_endpoint?.replace(/\/+$/, '') ?? `http://${host}:${defaults.bind_port}`;
}

export async function startApi(o: ApiRoleOptions, parts: OpenParts): Promise<StartedApi> {
  const defaults = o.config.group(serverDefaults);
  const identityOptions = o.config.group(identityGroup);
  const identity = new Identity(o.control.db, identityOptions.token_expiration);
  const keystone =
    identityOptions.keystone_url === undefined ? undefined : keystoneValidator(identityOptions);
  const boot = keystone
    ? { created: false }
    : await identity.bootstrap(identityOptions.bootstrap_password);
  const endpoint = endpointOf(defaults);
  const policyFile = defaults.policy_file;
  const app = await buildApi({
    db: o.control.db,
    changeStamp: o.control.changeStamp,
    identity,
    ...(defaults.public_endpoint === undefined ? {} : { publicEndpoint: defaults.public_endpoint }),
    log: { error: (fields, message) => o.log.error(fields, message) },
    version: o.version,
    instances: {
      heartbeatExpiry: defaults.agent_heartbeat_expiry,
      maxVolumeSize: defaults.max_accepted_volume_size,
      controlKey: o.controlKey,
      datastores: o.policies,
      runOperation: operationRunner(o),
      ...(o.storages === undefined ? {} : { storages: o.storages }),
      guest: (instance) =>
        new GuestClient(
          o.transport,
          instance.id,
          unseal(o.controlKey, instance.rpc_key),
          o.guestTimeouts,
        ),
    },
    quotaDefaults: o.quotaDefaults,
    rateLimits: {
      get: defaults.http_get_rate,
      post: defaults.http_post_rate,
      put: defaults.http_put_rate,
      delete: defaults.http_delete_rate,
      mgmtPost: defaults.http_mgmt_post_rate,
    },
    ...(identityOptions.admin_token === undefined
      ? {}
      : { adminToken: identityOptions.admin_token }),
    ...(defaults.metrics_token === undefined ? {} : { metricsToken: defaults.metrics_token }),
    ...(keystone ? { tokens: keystone } : {}),
    ...(policyFile === undefined
      ? {}
      : {
          policy: Policy.fromFile(
            isAbsolute(policyFile) ? policyFile : resolve(o.appRoot, policyFile),
          ),
        }),
  });
  parts.app = app;
  await app.listen({ host: defaults.bind_host, port: defaults.bind_port });
  const cloudsYaml = boot.created
    ? await writeCloudsYaml(
        o.statePath,
        `${endpoint}/identity/v3`,
        identityOptions.bootstrap_password ?? boot.generatedPassword ?? '',
      )
    : undefined;
  o.log.info({ endpoint, database: o.control.description }, 'Cellar API listening');
  return {
    endpoint,
    ...(boot.generatedPassword === undefined ? {} : { generatedPassword: boot.generatedPassword }),
    ...(cloudsYaml === undefined ? {} : { cloudsYaml }),
  };
}
