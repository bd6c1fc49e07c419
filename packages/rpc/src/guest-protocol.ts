// The guest agent's RPC protocol: each guest operation's wire name (Trove's), its argument
// schema and the manager method that serves it. The control plane calls through GuestClient;
// a guest (real or simulated) serves a BaseDatastoreManager through guestMethods().

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type {
  BaseDatastoreManager,
  DatabaseSpec,
  FilesystemStats,
  Page,
  PrepareRequest,
  ServiceStatus,
  UserInfo,
  UserRef,
  UserSpec,
} from '@cellar/plugin-api';
import type { RequestContext } from './envelope.js';
import { method, RpcClient, type AnyMethod } from './rpc.js';
import type { Transport } from './transport.js';

const database = Type.Object({
  name: Type.String(),
  characterSet: Type.Optional(Type.String()),
  collate: Type.Optional(Type.String()),
});
const user = Type.Object({
  name: Type.String(),
  host: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  databases: Type.Optional(Type.Array(database)),
});
const userRef = Type.Object({ name: Type.String(), host: Type.Optional(Type.String()) });
const listParams = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  marker: Type.Optional(Type.String()),
  includeMarker: Type.Optional(Type.Boolean()),
});

export const guestArgs = {
  prepare: Type.Object({
    request: Type.Object({
      memoryMb: Type.Integer({ minimum: 1 }),
      mountPoint: Type.Optional(Type.String()),
      databases: Type.Array(database),
      users: Type.Array(user),
      rootPassword: Type.Optional(Type.String()),
      datastoreVersion: Type.Optional(Type.String()),
      allowedCidrs: Type.Optional(Type.Array(Type.String())),
      configContents: Type.Optional(Type.String()),
    }),
  }),
  restart: Type.Object({}),
  stop_db: Type.Object({}),
  get_service_status: Type.Object({}),
  get_filesystem_stats: Type.Object({}),
  rpc_ping: Type.Object({}),
  apply_access: Type.Object({ allowed_cidrs: Type.Array(Type.String()) }),
  create_database: Type.Object({ databases: Type.Array(database) }),
  list_databases: Type.Object({ params: listParams }),
  delete_database: Type.Object({ database }),
  create_user: Type.Object({ users: Type.Array(user) }),
  list_users: Type.Object({ params: listParams }),
  get_user: Type.Object({ user: userRef }),
  delete_user: Type.Object({ user: userRef }),
  change_passwords: Type.Object({
    users: Type.Array(
      Type.Object({
        name: Type.String(),
        host: Type.Optional(Type.String()),
        password: Type.String(),
      }),
    ),
  }),
  update_attributes: Type.Object({
    user: userRef,
    attributes: Type.Object({
      name: Type.Optional(Type.String()),
      host: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
    }),
  }),
  grant_access: Type.Object({ user: userRef, databases: Type.Array(Type.String()) }),
  revoke_access: Type.Object({ user: userRef, database: Type.String() }),
  list_access: Type.Object({ user: userRef }),
  enable_root: Type.Object({}),
  enable_root_with_password: Type.Object({ password: Type.String() }),
  disable_root: Type.Object({}),
  is_root_enabled: Type.Object({}),
} as const satisfies Record<string, TSchema>;

export type GuestMethod = keyof typeof guestArgs;

/** The RPC methods a guest serves, each checked against its schema and handed to the manager. */
export function guestMethods(
  manager: BaseDatastoreManager<unknown>,
): Record<GuestMethod, AnyMethod> {
  return {
    prepare: method(guestArgs.prepare, (a) => manager.prepare(a.request as PrepareRequest)),
    restart: method(guestArgs.restart, () => manager.restart()),
    stop_db: method(guestArgs.stop_db, () => manager.stopDb()),
    get_service_status: method(guestArgs.get_service_status, () => manager.getServiceStatus()),
    get_filesystem_stats: method(guestArgs.get_filesystem_stats, () =>
      manager.getFilesystemStats(),
    ),
    rpc_ping: method(guestArgs.rpc_ping, () => manager.rpcPing()),
    apply_access: method(guestArgs.apply_access, (a) => manager.applyAccess(a.allowed_cidrs)),
    create_database: method(guestArgs.create_database, (a) => manager.createDatabase(a.databases)),
    list_databases: method(guestArgs.list_databases, (a) => manager.listDatabases(a.params)),
    delete_database: method(guestArgs.delete_database, (a) => manager.deleteDatabase(a.database)),
    create_user: method(guestArgs.create_user, (a) => manager.createUser(a.users)),
    list_users: method(guestArgs.list_users, (a) => manager.listUsers(a.params)),
    get_user: method(guestArgs.get_user, async (a) => (await manager.getUser(a.user)) ?? null),
    delete_user: method(guestArgs.delete_user, (a) => manager.deleteUser(a.user)),
    change_passwords: method(guestArgs.change_passwords, (a) => manager.changePasswords(a.users)),
    update_attributes: method(guestArgs.update_attributes, (a) =>
      manager.updateAttributes(a.user, a.attributes),
    ),
    grant_access: method(guestArgs.grant_access, (a) => manager.grantAccess(a.user, a.databases)),
    revoke_access: method(guestArgs.revoke_access, (a) => manager.revokeAccess(a.user, a.database)),
    list_access: method(guestArgs.list_access, (a) => manager.listAccess(a.user)),
    enable_root: method(guestArgs.enable_root, () => manager.enableRoot()),
    enable_root_with_password: method(guestArgs.enable_root_with_password, (a) =>
      manager.enableRootWithPassword(a.password),
    ),
    disable_root: method(guestArgs.disable_root, () => manager.disableRoot()),
    is_root_enabled: method(guestArgs.is_root_enabled, () => manager.isRootEnabled()),
  };
}

export const guestTopic = (instanceId: string): string => `guestagent.${instanceId}`;

/** Calls one instance's guest, signed with that instance's key. */
export class GuestClient {
  readonly #rpc: RpcClient;
  readonly #topic: string;

  constructor(
    transport: Transport,
    instanceId: string,
    instanceKey: string,
    private readonly timeouts: { readonly low: number; readonly high: number },
  ) {
    this.#rpc = new RpcClient({ transport, key: instanceKey });
    this.#topic = guestTopic(instanceId);
  }

  /** `timeout`: true for the slow calls' configured timeout, false for the quick ones', or seconds. */
  #call<T>(
    name: GuestMethod,
    args: Static<(typeof guestArgs)[GuestMethod]>,
    context: RequestContext,
    timeout: boolean | number = false,
  ): Promise<T> {
    const seconds =
      typeof timeout === 'number' ? timeout : timeout ? this.timeouts.high : this.timeouts.low;
    return this.#rpc.call<T>(this.#topic, name, args, { context, timeout: seconds });
  }

  /** A cast: the guest reports the outcome through its heartbeat. */
  prepare(request: PrepareRequest, context: RequestContext): Promise<void> {
    return this.#rpc.cast(this.#topic, 'prepare', { request }, { context });
  }
  restart(context: RequestContext): Promise<void> {
    return this.#call('restart', {}, context, true);
  }
  stopDb(context: RequestContext): Promise<void> {
    return this.#call('stop_db', {}, context);
  }
  serviceStatus(context: RequestContext): Promise<ServiceStatus> {
    return this.#call('get_service_status', {}, context);
  }
  /** Whether the datastore enforces the CIDRs itself. */
  applyAccess(allowedCidrs: readonly string[], context: RequestContext): Promise<boolean> {
    return this.#call('apply_access', { allowed_cidrs: [...allowedCidrs] }, context);
  }
  ping(context: RequestContext, timeout?: number): Promise<boolean> {
    return this.#call('rpc_ping', {}, context, timeout);
  }
  filesystemStats(context: RequestContext, timeout?: number): Promise<FilesystemStats> {
    return this.#call('get_filesystem_stats', {}, context, timeout);
  }
  createDatabases(databases: readonly DatabaseSpec[], context: RequestContext): Promise<void> {
    return this.#call('create_database', { databases: [...databases] }, context, true);
  }
  listDatabases(
    params: Static<typeof listParams>,
    context: RequestContext,
  ): Promise<Page<DatabaseSpec>> {
    return this.#call('list_databases', { params }, context);
  }
  deleteDatabase(name: string, context: RequestContext): Promise<void> {
    return this.#call('delete_database', { database: { name } }, context, true);
  }
  createUsers(users: readonly UserSpec[], context: RequestContext): Promise<void> {
    return this.#call(
      'create_user',
      {
        users: users.map((u) => ({
          ...u,
          ...(u.databases ? { databases: [...u.databases] } : {}),
        })),
      },
      context,
      true,
    );
  }
  listUsers(params: Static<typeof listParams>, context: RequestContext): Promise<Page<UserInfo>> {
    return this.#call('list_users', { params }, context, true);
  }
  getUser(
    name: string,
    host: string | undefined,
    context: RequestContext,
  ): Promise<UserInfo | null> {
    return this.#call(
      'get_user',
      { user: { name, ...(host === undefined ? {} : { host }) } },
      context,
    );
  }
  deleteUser(name: string, host: string | undefined, context: RequestContext): Promise<void> {
    return this.#call(
      'delete_user',
      { user: { name, ...(host === undefined ? {} : { host }) } },
      context,
      true,
    );
  }
  changePasswords(
    users: readonly { name: string; host?: string; password: string }[],
    context: RequestContext,
  ): Promise<void> {
    return this.#call('change_passwords', { users: [...users] }, context, true);
  }
  updateAttributes(
    user: UserRef,
    attributes: { name?: string; host?: string; password?: string },
    context: RequestContext,
  ): Promise<void> {
    return this.#call('update_attributes', { user, attributes }, context, true);
  }
  grantAccess(user: UserRef, databases: readonly string[], context: RequestContext): Promise<void> {
    return this.#call('grant_access', { user, databases: [...databases] }, context);
  }
  revokeAccess(user: UserRef, database: string, context: RequestContext): Promise<void> {
    return this.#call('revoke_access', { user, database }, context);
  }
  listAccess(user: UserRef, context: RequestContext): Promise<DatabaseSpec[]> {
    return this.#call('list_access', { user }, context);
  }
  enableRoot(password: string | undefined, context: RequestContext): Promise<UserSpec> {
    return password === undefined
      ? this.#call('enable_root', {}, context, true)
      : this.#call('enable_root_with_password', { password }, context, true);
  }
  disableRoot(context: RequestContext): Promise<void> {
    return this.#call('disable_root', {}, context);
  }
}

export const CONDUCTOR_TOPIC = 'conductor';

const serviceStatus = Type.Union(
  [
    'new',
    'building',
    'healthy',
    'running',
    'shutdown',
    'paused',
    'crashed',
    'failed to spawn',
    'restart required',
    'unknown',
  ].map((s) => Type.Literal(s)),
);

export const conductorArgs = {
  /** Liveness and the actual state of the server; `fault` says why a prepare failed. */
  heartbeat: Type.Object({
    status: serviceStatus,
    fault: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  }),
} as const;

export type Heartbeat = Static<typeof conductorArgs.heartbeat>;

/** What a guest tells the conductor, signed with its instance key. */
export class ConductorClient {
  readonly #rpc: RpcClient;

  constructor(transport: Transport, instanceId: string, instanceKey: string) {
    this.#rpc = new RpcClient({ transport, key: instanceKey, instance: instanceId });
  }

  heartbeat(beat: Heartbeat): Promise<void> {
    return this.#rpc.cast(CONDUCTOR_TOPIC, 'heartbeat', beat, {
      context: { requestId: 'heartbeat' },
    });
  }
}
