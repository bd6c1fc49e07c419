// The guest agent's RPC protocol: each guest operation's wire name (Trove's), its argument
// schema and the manager method that serves it. The control plane calls through GuestClient;
// a guest (real or simulated) serves a BaseDatastoreManager through guestMethods().

import { Type, type Static, type TNumber, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  GuestError,
  guestOperationNames,
  guestOperations,
  METRIC_NAMES,
  jsonSchema,
  operationArgsSchema,
  positionalArgs,
  serviceStatusSchema,
  type BackupInfo,
  type BaseDatastoreManager,
  type DatabaseSpec,
  type FilesystemStats,
  type GuestLog,
  type GuestLogAction,
  type GuestOperation,
  type Json,
  type ListParams,
  type MetricName,
  type OperationArgs,
  type OperationResult,
  type Page,
  type PrepareRequest,
  type ServiceStatus,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import type { RequestContext } from './envelope.js';

/** The guest operations replication drives. */
export type ReplicationOperation =
  | 'get_replication_snapshot'
  | 'attach_replica'
  | 'detach_replica'
  | 'get_replica_context'
  | 'make_read_only'
  | 'enable_as_master'
  | 'demote_replication_master'
  | 'get_last_txn'
  | 'get_latest_txn_id'
  | 'wait_for_txn';
import { method, RpcClient, type AnyMethod } from './rpc.js';
import type { Transport } from './transport.js';

type ArgsSchemas = { readonly [K in GuestOperation]: ReturnType<typeof operationArgsSchema<K>> };

/** Each operation's argument schema, from the declaration in @cellar/plugin-api. */
export const guestArgs = Object.fromEntries(
  guestOperationNames.map((op) => [op, operationArgsSchema(op)]),
) as unknown as ArgsSchemas;

export type GuestMethod = GuestOperation;

/**
 * The RPC methods a guest serves: every declared operation, its arguments checked against its
 * schema and handed to the manager's method in the declared order.
 */
export function guestMethods(
  manager: BaseDatastoreManager<unknown>,
): Record<GuestMethod, AnyMethod> {
  const serve = (op: GuestOperation): AnyMethod => {
    const name = guestOperations[op].method;
    return method(guestArgs[op], (args) => {
      const handler = (manager as unknown as Record<string, unknown>)[name];
      if (typeof handler !== 'function') throw new TypeError(`the manager has no ${name}()`);
      return (handler as (...a: unknown[]) => Promise<unknown>).apply(
        manager,
        positionalArgs(op, args),
      );
    });
  };
  return Object.fromEntries(guestOperationNames.map((op) => [op, serve(op)])) as Record<
    GuestMethod,
    AnyMethod
  >;
}

const resultChecks = new Map<GuestOperation, TypeCheck<TSchema>>();

/**
 * Refuses a guest's answer that is not what its operation declares, so a confused or hostile guest
 * cannot hand the control plane a shape it does not expect. The wire carries absent as null.
 */
function checkResult(operation: GuestOperation, result: unknown): void {
  let check = resultChecks.get(operation);
  if (!check) {
    check = TypeCompiler.Compile<TSchema>(guestOperations[operation].result);
    resultChecks.set(operation, check);
  }
  const value = result === null ? undefined : result;
  if (check.Check(value)) return;
  const problems = [...check.Errors(value)]
    .slice(0, 3)
    .map((e) => `${e.path || '/'}: ${e.message}`)
    .join('; ');
  throw new GuestError({
    reason: `its answer to ${operation} is not what the operation returns (${problems})`,
  });
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
  async #call<T, K extends GuestOperation = GuestOperation>(
    name: K,
    args: OperationArgs<K>,
    context: RequestContext,
    timeout: boolean | number = false,
  ): Promise<T> {
    const seconds =
      typeof timeout === 'number' ? timeout : timeout ? this.timeouts.high : this.timeouts.low;
    const result = await this.#rpc.call(this.#topic, name, args, { context, timeout: seconds });
    checkResult(name, result);
    // checkResult has just proved the answer has the operation's declared shape.
    return result as T;
  }

  /**
   * One of the replication operations (`get_replication_snapshot` … `wait_for_txn`, shapes in
   * plugin-api's replication/replication.ts); the answer is checked against the operation's result.
   */
  replicationCall<K extends ReplicationOperation>(
    name: K,
    args: OperationArgs<K>,
    context: RequestContext,
    timeout: boolean | number = true,
  ): Promise<OperationResult<K>> {
    return this.#call<OperationResult<K>, K>(name, args, context, timeout);
  }

  /** A cast: the guest reports the outcome through its heartbeat. */
  prepare(request: PrepareRequest, context: RequestContext): Promise<void> {
    return this.#rpc.cast(this.#topic, 'prepare', { request }, { context });
  }
  /** A cast: the guest reports the backup's progress and outcome to the conductor (update_backup). */
  createBackup(backup: BackupInfo, context: RequestContext): Promise<void> {
    return this.#rpc.cast(this.#topic, 'create_backup', { backup_info: backup }, { context });
  }
  restart(context: RequestContext): Promise<void> {
    return this.#call('restart', {}, context, true);
  }
  stopDb(context: RequestContext): Promise<void> {
    return this.#call('stop_db', {}, context);
  }
  /** The memory settings derived again from `memoryMb` (a new flavor's RAM), and the server restarted. */
  startDbWithConfChanges(
    configContents: string,
    memoryMb: number,
    context: RequestContext,
  ): Promise<void> {
    return this.#call(
      'start_db_with_conf_changes',
      { config_contents: configContents, memory_mb: memoryMb },
      context,
      true,
    );
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
  listDatabases(params: ListParams, context: RequestContext): Promise<Page<DatabaseSpec>> {
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
  listUsers(params: ListParams, context: RequestContext): Promise<Page<UserInfo>> {
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
  /** Makes `overrides` the instance's whole set of group values (remove: none at all). */
  updateOverrides(
    overrides: Readonly<Record<string, Json>>,
    remove: boolean,
    context: RequestContext,
  ): Promise<void> {
    return this.#call('update_overrides', { overrides: { ...overrides }, remove }, context, true);
  }
  /** Applies these values to the running server; null puts one back to its default. */
  applyOverrides(
    overrides: Readonly<Record<string, Json>>,
    context: RequestContext,
  ): Promise<void> {
    return this.#call('apply_overrides', { overrides: { ...overrides } }, context, true);
  }
  /** Every log of the instance with what was published of it; `exposed` says who may see it. */
  guestLogList(context: RequestContext): Promise<GuestLog[]> {
    return this.#call('guest_log_list', {}, context, true);
  }
  /** Enables, disables, discards and publishes one log (in that order); answers it afterwards. */
  guestLogAction(action: GuestLogAction, context: RequestContext): Promise<GuestLog> {
    return this.#call('guest_log_action', { action }, context, true);
  }
}

export const CONDUCTOR_TOPIC = 'conductor';

/** A ReplicationState (plugin-api replication/replication.ts) as a heartbeat carries it. */
export const replicationStateSchema = Type.Object({
  role: Type.Union([Type.Literal('source'), Type.Literal('replica'), Type.Literal('standalone')]),
  sourceId: Type.Optional(Type.String()),
  streaming: Type.Optional(Type.Boolean()),
  progress: Type.Number({ minimum: 0 }),
  position: Type.String(),
  lagBytes: Type.Optional(Type.Number({ minimum: 0 })),
  lagSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  replicas: Type.Optional(
    Type.Array(Type.Object({ id: Type.String(), synchronous: Type.Boolean() })),
  ),
});

/** GuestMetrics (plugin-api metrics/guest-metrics.ts) as a heartbeat carries them. */
export const guestMetricsSchema = Type.Partial(
  Type.Object(
    Object.fromEntries(METRIC_NAMES.map((name) => [name, Type.Number({ minimum: 0 })])) as Record<
      MetricName,
      TNumber
    >,
  ),
);

export const conductorArgs = {
  /**
   * Liveness and the actual state of the server; `fault` says why a prepare failed;
   * `replication` is the server's replication role and position where the datastore has them;
   * `metrics` the datastore's gauges and the disk's.
   */
  heartbeat: Type.Object({
    status: serviceStatusSchema,
    fault: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    replication: Type.Optional(replicationStateSchema),
    metrics: Type.Optional(guestMetricsSchema),
  }),
  /**
   * A backup's progress and outcome, as Trove's update_backup: `BUILDING` with the bytes stored so
   * far while it streams, then `COMPLETED` with what the record keeps, or `FAILED` with why. The
   * conductor accepts it only for a backup of the instance whose key signed it.
   */
  update_backup: Type.Object({
    backup_id: Type.String(),
    state: Type.Union([
      Type.Literal('BUILDING'),
      Type.Literal('COMPLETED'),
      Type.Literal('FAILED'),
    ]),
    /** Bytes stored so far (BUILDING) or in all (COMPLETED). */
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    location: Type.Optional(Type.String()),
    checksum: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    compression: Type.Optional(Type.String()),
    meta: Type.Optional(Type.Record(Type.String(), jsonSchema)),
    fault: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  }),
} as const;

export type Heartbeat = Static<typeof conductorArgs.heartbeat>;
export type BackupUpdate = Static<typeof conductorArgs.update_backup>;

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

  updateBackup(update: BackupUpdate): Promise<void> {
    return this.#rpc.cast(CONDUCTOR_TOPIC, 'update_backup', update, {
      context: { requestId: `backup-${update.backup_id}` },
    });
  }
}
