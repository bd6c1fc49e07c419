// Assembles the control plane from a validated configuration: the state directory, the control
// database (migrated), the identity bootstrap and clouds.yaml on first start, and the API.

import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Configuration } from '@cellar/config';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';
import { loadDatastores, syncCatalog } from './datastores/catalog.js';
import { buildApi } from './api/app.js';
import { migrateToLatest, openDatabase, parseConnection, type ControlDatabase } from './db/connect.js';
import { Identity } from './identity/identity.js';
import { databaseGroup, identityGroup, serverDefaults } from './options.js';

export interface StartOptions {
  readonly config: Configuration;
  /** The installed plugins and the datastores enabled among them. */
  readonly host: PluginHost;
  readonly enabled: readonly InstalledPlugin[];
  readonly appRoot: string;
  readonly version: string;
  /** Where structured logs go; standard error when absent. */
  readonly logger?: Logger;
}

export interface ControlPlane {
  /** The URL the API answers on. */
  readonly endpoint: string;
  readonly statePath: string;
  readonly database: string;
  /** Set on first start only: the generated admin password, to be shown once. */
  readonly generatedAdminPassword?: string;
  readonly cloudsYaml?: string;
  close(): Promise<void>;
}

function cloudsYaml(authUrl: string, password: string): string {
  return [
    '# Written by Cellar on first start: `openstack --os-cloud cellar database instance list`.',
    '# Put it in ~/.config/openstack/clouds.yaml, or point OS_CLIENT_CONFIG_FILE at it.',
    'clouds:',
    '  cellar:',
    '    auth:',
    `      auth_url: ${authUrl}`,
    '      username: admin',
    `      password: ${JSON.stringify(password)}`,
    '      project_name: admin',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '    region_name: RegionOne',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

export async function startControlPlane(options: StartOptions): Promise<ControlPlane> {
  const defaults = options.config.group(serverDefaults);
  const log = options.logger ?? pino({ level: options.config.values('DEFAULT')['debug'] === true ? 'debug' : 'info' }, pino.destination(2));
  const statePath = isAbsolute(defaults.state_path) ? defaults.state_path : resolve(options.appRoot, defaults.state_path);
  await mkdir(statePath, { recursive: true, mode: 0o750 });
  let control: ControlDatabase | undefined;
  let app: FastifyInstance | undefined;
  try {
    control = await openDatabase(parseConnection(options.config.group(databaseGroup).connection, statePath));
    const applied = await migrateToLatest(control.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'control database migrated');
    await syncCatalog(control.db, await loadDatastores(options.host, options.enabled));
    const identityOptions = options.config.group(identityGroup);
    const identity = new Identity(control.db, identityOptions.token_expiration);
    const boot = await identity.bootstrap(identityOptions.bootstrap_password);

    const endpoint = defaults.public_endpoint?.replace(/\/+$/, '') ?? `http://${defaults.bind_host.includes(':') ? `[${defaults.bind_host}]` : defaults.bind_host}:${defaults.bind_port}`;
    app = await buildApi({
      db: control.db,
      identity,
      ...(defaults.public_endpoint === undefined ? {} : { publicEndpoint: defaults.public_endpoint }),
      log: { error: (fields, message) => log.error(fields, message) },
      version: options.version,
    });
    await app.listen({ host: defaults.bind_host, port: defaults.bind_port });

    let cloudsFile: string | undefined;
    if (boot.created) {
      cloudsFile = join(statePath, 'clouds.yaml');
      const password = identityOptions.bootstrap_password ?? boot.generatedPassword ?? '';
      await writeFile(cloudsFile, cloudsYaml(`${endpoint}/identity/v3`, password), { mode: 0o600 });
    }
    log.info({ endpoint, database: control.description }, 'Cellar API listening');
    const db = control;
    const api = app;
    return {
      endpoint,
      statePath,
      database: control.description,
      ...(boot.generatedPassword === undefined ? {} : { generatedAdminPassword: boot.generatedPassword }),
      ...(cloudsFile === undefined ? {} : { cloudsYaml: cloudsFile }),
      close: async () => {
        await api.close();
        await db.close();
      },
    };
  } catch (error) {
    await app?.close();
    await control?.close();
    throw error;
  }
}
