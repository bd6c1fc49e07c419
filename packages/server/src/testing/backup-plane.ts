// A control plane for the backup tests, in this process: the real API (through inject), taskmanager,
// conductor and local RPC, simulated guests whose create_backup the test decides, and the real
// `local` backup storage in a temporary directory. PostgreSQL and MySQL take backups; memcached not.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { bootstrap } from '@cellar/config';
import {
  BackupStorageRefused,
  defineDatastoreServer,
  type BackupInfo,
  type PointInTimeRecovery,
  type PrepareRequest,
} from '@cellar/plugin-api';
import { findAppRoot } from '@cellar/plugins';
import { GuestClient, LocalTransport, type ConductorClient, type Listener } from '@cellar/rpc';
import { buildApi, troveQuotaDefaults } from '../api/app.js';
import { configuredStorages, type BackupStorages } from '../backups/storages.js';
import { Conductor } from '../conductor/conductor.js';
import { syncCatalog } from '../datastores/catalog.js';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { SimulatedCompute } from '../drivers/compute/simulated.js';
import { Identity } from '../identity/identity.js';
import { Quotas } from '../quotas/quotas.js';
import { newInstanceKey, unseal } from '../secrets.js';
import { TaskManager } from '../taskmanager/taskmanager.js';
import type { DatastorePolicy } from '../instances/deps.js';
import type { Json } from './api-session.js';
import { planePolicies, withPointInTime } from './backup-policies.js';
import type { TakeBackup } from './backup-guests.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const unlimited = { get: 1e6, post: 1e6, put: 1e6, delete: 1e6, mgmtPost: 1e6 };

export interface BackupPlane {
  readonly control: ControlDatabase;
  readonly storages: BackupStorages;
  readonly transport: LocalTransport;
  /** The simulated guests, for what a test reads of them (their configuration values). */
  readonly compute: SimulatedCompute;
  readonly controlKey: string;
  /** What guests do with create_backup; changed by each test. */
  take: TakeBackup;
  /** Whether the storage refuses to delete, as one whose credentials were revoked. */
  refuseDeletes: boolean;
  /** Whether the storage refuses to list, as one that is down. */
  refuseLists: boolean;
  /** The locations the storage deleted, in order. */
  readonly deletions: string[];
  /** What the conductor refused, as it logged it. */
  readonly refusals: string[];
  /** Every prepare request a guest got, by instance. */
  readonly prepared: Map<string, PrepareRequest>;
  /** The admin's project. */
  readonly project: string;
  /** A member (not an administrator) of another project. */
  readonly member: Session;
  /** A call under /v1.0/{project}, as the admin unless another session is given. */
  api(method: string, path: string, body?: unknown, as?: Session): Promise<Answer>;
  /** Creates an instance of the datastore and waits for it to be ACTIVE; returns its id. */
  instance(name: string, extra?: Json): Promise<string>;
  /** Polls `path` until `predicate` holds for the answer's `key` object; fails naming `what`. */
  until(path: string, key: string, predicate: (o: Json) => boolean, what: string): Promise<Json>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly json: Json;
}

export interface BackupPlaneOptions {
  /** `[DEFAULT] backup_timeout`, seconds. */
  readonly timeout?: number;
  /** `[DEFAULT] agent_heartbeat_expiry`: the silence after which a backup's guest is lost. */
  readonly silenceLimit?: number;
  /** PostgreSQL's point-in-time recovery, as with `[postgresql] wal_archiving` on. */
  readonly pointInTime?: PointInTimeRecovery;
  /** The datastores' policies, when a test needs others than the plane's own. */
  readonly datastores?: ReadonlyMap<string, DatastorePolicy>;
}

/** The installed `local` storage, configured to keep its objects under `dir`. */
async function localStorages(dir: string): Promise<BackupStorages> {
  const found = findAppRoot(dirname(fileURLToPath(import.meta.url)));
  assert.ok(found.ok, found.ok ? '' : found.problem);
  const result = await bootstrap({
    side: 'server',
    appRoot: found.root,
    env: {},
    overrides: ['DEFAULT.backup_storage=local', `backup_storage_local.path=${dir}`],
  });
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  const storages = configuredStorages(result.config, result.host);
  assert.ok(storages, 'the local backup storage is installed');
  return storages;
}

async function catalog(control: ControlDatabase): Promise<void> {
  const server = (name: string) =>
    defineDatastoreServer({
      name,
      versions: async () => [{ name: '15', location: `/${name}`, active: true }],
    });
  await syncCatalog(
    control.db,
    [...planePolicies.keys()].map((name) => ({
      name,
      package: `@example/${name}`,
      version: '0',
      capabilities: [],
      server: server(name),
    })),
  );
}

/** Who calls: a token scoped to a project. */
export interface Session {
  readonly token: string;
  readonly project: string;
}

/** Signs a user in through the API's own identity endpoint. */
async function signIn(app: FastifyInstance, user: string, scope: string): Promise<Session> {
  const res = await app.inject({
    method: 'POST',
    url: '/identity/v3/auth/tokens',
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password: 'pw' } } },
        scope: { project: { name: scope } },
      },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const project = res.json<{ token: { project: { id: string } } }>().token.project.id;
  return { token: String(res.headers['x-subject-token']), project };
}

/** A storage that refuses deletes or lists while the plane says so, else the real one. */
function refusing(
  storages: BackupStorages,
  refuse: { readonly deletes: boolean; readonly lists: boolean },
  deletions: string[],
): BackupStorages {
  return {
    defaultName: storages.defaultName,
    open: async (name) => {
      const storage = await storages.open(name);
      // Each call goes to the real storage itself: its private fields are not on a prototype.
      return {
        name: storage.name,
        put: (body, target) => storage.put(body, target),
        get: (location, options) => storage.get(location, options),
        list: async (project, prefix) => {
          if (refuse.lists)
            throw new BackupStorageRefused({
              storage: name,
              operation: 'list',
              reason: 'connection refused',
            });
          return storage.list(project, prefix);
        },
        locationOf: (project, key) => storage.locationOf(project, key),
        close: () => storage.close(),
        delete: async (location) => {
          if (refuse.deletes)
            throw new BackupStorageRefused({
              storage: name,
              operation: 'delete',
              reason: 'permission denied',
            });
          await storage.delete(location);
          deletions.push(location);
        },
      };
    },
  };
}

/** What the taskmanager and the conductor of the plane are built from. */
interface Parts {
  readonly control: ControlDatabase;
  readonly compute: SimulatedCompute;
  readonly transport: LocalTransport;
  readonly controlKey: string;
  readonly storages: BackupStorages;
  readonly refusals: string[];
}

/** The taskmanager, and the conductor that wakes it; what the conductor refuses is kept. */
async function startTaskManager(
  { control, compute, transport, controlKey, storages, refusals }: Parts,
  options: BackupPlaneOptions,
): Promise<{ taskmanager: TaskManager; conductor: Listener }> {
  const taskmanager = new TaskManager({
    db: control.db,
    compute,
    transport,
    controlKey,
    quotas: new Quotas(control.db, troveQuotaDefaults),
    datastoreSettings: (name) =>
      planePolicies.get(name) ?? { usageTimeout: 10, tcpPorts: [], udpPorts: [] },
    guestTimeouts: { low: 5, high: 5 },
    log: silent,
    pollInterval: 0.05,
    backups: {
      storages,
      timeout: options.timeout ?? 60,
      silenceLimit: options.silenceLimit ?? 30,
    },
  });
  const conductorLog = { warn: (_fields: object, message: string) => void refusals.push(message) };
  const conductor: Listener = await new Conductor(
    control.db,
    controlKey,
    conductorLog,
    (id) => taskmanager.wake(id),
    storages,
  ).serve(transport);
  return { taskmanager, conductor };
}

export async function startBackupPlane(options: BackupPlaneOptions = {}): Promise<BackupPlane> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-backup-plane-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  await migrateToLatest(control.db);
  await catalog(control);
  const identity = new Identity(control.db, 3600);
  await identity.bootstrap('pw');
  await identity.createUser('member', 'pw', await identity.createProject('other'), ['member']);
  const controlKey = newInstanceKey();
  const transport = new LocalTransport(join(dir, 'rpc'));
  const prepared = new Map<string, PrepareRequest>();
  const real = await localStorages(join(dir, 'backups'));
  const plane = {
    take: (async () => undefined) as TakeBackup,
    refuseDeletes: false,
    refuseLists: false,
  };
  const deletions: string[] = [];
  const refuse = {
    get deletes() {
      return plane.refuseDeletes;
    },
    get lists() {
      return plane.refuseLists;
    },
  };
  const storages = refusing(real, refuse, deletions);
  const compute = new SimulatedCompute({
    transport,
    prepareDelay: 0.01,
    reportInterval: 0.2,
    backups: {
      take: (backup: BackupInfo, conductor: ConductorClient) => plane.take(backup, conductor),
      prepared: (id, request) => prepared.set(id, request),
    },
  });
  const refusals: string[] = [];
  const { taskmanager, conductor } = await startTaskManager(
    { control, compute, transport, controlKey, storages, refusals },
    options,
  );
  const app = await buildApi({
    db: control.db,
    changeStamp: control.changeStamp,
    identity,
    log: silent,
    version: 'test',
    instances: {
      heartbeatExpiry: 90,
      maxVolumeSize: 10,
      controlKey,
      datastores: options.datastores ?? withPointInTime(options.pointInTime),
      runOperation: async (id) => void taskmanager.run(id),
      guest: (i) =>
        new GuestClient(transport, i.id, unseal(controlKey, i.rpc_key), { low: 5, high: 5 }),
      storages,
    },
    quotaDefaults: troveQuotaDefaults,
    rateLimits: unlimited,
  });
  const close = async (): Promise<void> => {
    await app.close();
    await conductor.close();
    await compute.close();
    await transport.close();
    await control.close();
    await rm(dir, { recursive: true, force: true });
  };
  return Object.assign(plane, {
    control,
    storages: real,
    transport,
    compute,
    controlKey,
    prepared,
    refusals,
    deletions,
    ...(await calls(app, close)),
  });
}

/** The plane's HTTP side: calls as the admin, instances made ready, waits on a resource. */
async function calls(app: FastifyInstance, close: () => Promise<void>) {
  const admin = await signIn(app, 'admin', 'admin');
  const member = await signIn(app, 'member', 'other');
  const api = async (method: string, path: string, body?: unknown, as: Session = admin) => {
    const res = await app.inject({
      method: method as 'GET',
      url: `/v1.0/${as.project}${path}`,
      headers: { 'x-auth-token': as.token },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, json: res.body === '' ? {} : res.json<Json>() };
  };
  const until = async (
    path: string,
    key: string,
    predicate: (o: Json) => boolean,
    what: string,
  ) => {
    const deadline = Date.now() + 15_000;
    let last: Json = {};
    while (Date.now() < deadline) {
      const answer = await api('GET', path);
      last = (answer.json[key] as Json | undefined) ?? { answered: answer.status };
      if (predicate(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${path} never became ${what}: ${JSON.stringify(last)}`);
  };
  const instance = async (name: string, extra: Json = {}): Promise<string> => {
    const created = await api('POST', '/instances', {
      instance: {
        name,
        flavorRef: '2',
        volume: { size: 1 },
        datastore: { type: 'postgresql' },
        ...extra,
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = (created.json['instance'] as Json)['id'] as string;
    await until(`/instances/${id}`, 'instance', (i) => i['status'] === 'ACTIVE', 'ACTIVE');
    return id;
  };
  return { project: admin.project, member, api, until, instance, close };
}
