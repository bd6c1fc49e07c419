// The simulated compute driver: each "server" is a guest agent simulated in this process, with an
// in-memory datastore, serving the real guest RPC protocol and heartbeating to the real conductor.
// For control-plane tests and fleet-scale benchmarks; never a default.

import {
  AlreadyExists,
  BaseDatastoreManager,
  NotFound,
  type BackupInfo,
  paginate,
  type DatabaseSpec,
  type GuestContext,
  GuestError,
  type Json,
  type ListParams,
  type Page,
  type PrepareRequest,
  type ServiceStatus,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import {
  ConductorClient,
  guestMethods,
  guestTopic,
  serve,
  type Heartbeat,
  type Listener,
  type Transport,
} from '@cellar/rpc';
import type { ComputeDriver, GuestDown, InjectedGuest, ServerInfo } from './compute-driver.js';

/** The RAM of the simulated host: a flavor resize asking for more fails on the guest. */
export const SIMULATED_HOST_RAM_MB = 8192;

export interface SimulatedOptions {
  readonly transport: Transport;
  /** Seconds a prepare takes. */
  readonly prepareDelay: number;
  /** Seconds between heartbeats. */
  readonly reportInterval: number;
  /** Instances whose name matches fail to prepare. */
  readonly failPrepare?: RegExp;
  /** What the guests do with create_backup and prepare, for the backup tests. */
  readonly backups?: SimulatedBackups;
}

export interface SimulatedBackups {
  /** Takes the backup, reporting through the guest's conductor client as a real guest does. */
  take(backup: BackupInfo, conductor: ConductorClient): Promise<void>;
  /** Told of every prepare request (a restore's chain is in its backupInfo). */
  prepared?(instanceId: string, request: PrepareRequest): void;
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A datastore in memory: databases, users and root, enough for the API's flows. */
class SimulatedManager extends BaseDatastoreManager {
  readonly databases = new Map<string, DatabaseSpec>();
  readonly users = new Map<string, UserSpec>();
  status: ServiceStatus = 'building';
  root = false;
  /** The configuration group's values as the server would read them at its next start. */
  overrides: Readonly<Record<string, Json>> = {};
  /** What was applied to the running server (null: back to its default). */
  readonly live = new Map<string, Json>();

  constructor(
    context: GuestContext,
    private readonly guest: SimulatedGuest,
  ) {
    super(context);
  }

  async prepare(request: PrepareRequest): Promise<void> {
    await this.guest.prepared(request);
  }
  override async createBackup(backup: BackupInfo): Promise<void> {
    const backups = this.guest.options.backups;
    // Without the tests' hooks a simulated guest stores nothing: it says so at once, as a guest
    // whose strategy cannot run does, rather than leaving the backup to time out.
    if (!backups)
      return this.guest.conductor.updateBackup({
        backup_id: backup.id,
        state: 'FAILED',
        fault: {
          code: 'CELLAR_BACKUP_FAILED',
          message: `the simulated ${this.guest.spec.datastore} guest takes no backups`,
        },
      });
    // A cast: the guest reports through the conductor, as a real one does, while it takes it.
    void backups.take(backup, this.guest.conductor).catch(() => undefined);
  }
  override async updateOverrides(
    overrides: Readonly<Record<string, Json>>,
    remove: boolean,
  ): Promise<void> {
    this.overrides = remove ? {} : { ...overrides };
  }
  /** Refuses a string value containing 'refuse', as a server refuses a value it cannot take. */
  override async applyOverrides(overrides: Readonly<Record<string, Json>>): Promise<void> {
    const refused = Object.entries(overrides).find(
      ([, v]) => typeof v === 'string' && v.includes('refuse'),
    );
    if (refused)
      throw new GuestError({
        reason: `the simulated server refused ${refused[0]} = ${JSON.stringify(refused[1])}`,
      });
    for (const [name, value] of Object.entries(overrides)) this.live.set(name, value);
  }
  async restart(): Promise<void> {
    this.live.clear();
    this.status = 'healthy';
    await this.guest.beat();
  }
  async stopDb(): Promise<void> {
    this.status = 'shutdown';
    await this.guest.beat();
  }
  /** A flavor with more RAM than the simulated host has fails, as a server that cannot have it would. */
  override async startDbWithConfChanges(_config: string, memoryMb: number): Promise<void> {
    if (memoryMb > SIMULATED_HOST_RAM_MB)
      throw new GuestError({
        reason: `the simulated host has ${SIMULATED_HOST_RAM_MB} MB of RAM, not ${memoryMb}`,
      });
    await this.restart();
  }
  async getServiceStatus(): Promise<ServiceStatus> {
    return this.status;
  }
  override async getFilesystemStats() {
    return {
      blockSize: 4096,
      totalBlocks: 262144,
      freeBlocks: 250000,
      total: 1,
      used: 0.05,
      free: 250000 * 4096,
    };
  }
  override async createDatabase(databases: readonly DatabaseSpec[]): Promise<void> {
    const existing = databases.find((d) => this.databases.has(d.name));
    if (existing && this.status === 'healthy')
      throw new AlreadyExists({ resource: 'Database', name: existing.name });
    for (const d of databases) this.databases.set(d.name, d);
  }
  override async listDatabases(params: ListParams): Promise<Page<DatabaseSpec>> {
    return paginate(
      [...this.databases.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      params,
      (d) => d.name,
    );
  }
  #dropDatabase(name: string): void {
    this.databases.delete(name);
    for (const u of this.users.values()) {
      if (u.databases?.some((d) => d.name === name))
        this.users.set(u.name, { ...u, databases: u.databases.filter((d) => d.name !== name) });
    }
  }
  override async createUser(users: readonly UserSpec[]): Promise<void> {
    const existing = users.find((u) => this.users.has(u.name));
    if (existing && this.status === 'healthy')
      throw new AlreadyExists({ resource: 'User', name: existing.name });
    for (const u of users) this.users.set(u.name, u);
  }
  override async deleteDatabase(database: DatabaseSpec): Promise<void> {
    if (!this.databases.has(database.name))
      throw new NotFound({ resource: 'Database', id: database.name });
    this.#dropDatabase(database.name);
  }
  override async listUsers(params: ListParams): Promise<Page<UserInfo>> {
    const all = [...this.users.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((u) => info(u));
    return paginate(all, params, (u) => u.name);
  }
  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    const u = this.users.get(user.name);
    return u ? info(u) : undefined;
  }
  override async deleteUser(user: UserRef): Promise<void> {
    this.#user(user);
    this.users.delete(user.name);
  }
  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    for (const u of users) {
      const existing = this.users.get(u.name);
      if (existing) this.users.set(u.name, { ...existing, password: u.password });
    }
  }
  override async updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void> {
    const existing = this.#user(user);
    this.users.delete(user.name);
    this.users.set(attributes.name ?? existing.name, { ...existing, ...attributes });
  }
  override async grantAccess(user: UserRef, databases: readonly string[]): Promise<void> {
    const existing = this.#user(user);
    const missing = databases.find((d) => !this.databases.has(d));
    if (missing !== undefined) throw new NotFound({ resource: 'Database', id: missing });
    const have = existing.databases ?? [];
    this.users.set(user.name, {
      ...existing,
      databases: [
        ...have,
        ...databases.filter((d) => !have.some((h) => h.name === d)).map((name) => ({ name })),
      ],
    });
  }
  override async revokeAccess(user: UserRef, database: string): Promise<void> {
    const existing = this.#user(user);
    if (!existing.databases?.some((d) => d.name === database))
      throw new NotFound({ resource: `Access of ${user.name} to database`, id: database });
    this.users.set(user.name, {
      ...existing,
      databases: existing.databases.filter((d) => d.name !== database),
    });
  }
  override async listAccess(user: UserRef): Promise<readonly DatabaseSpec[]> {
    return this.#user(user).databases ?? [];
  }
  #user(user: UserRef): UserSpec {
    const existing = this.users.get(user.name);
    if (!existing) throw new NotFound({ resource: 'User', id: user.name });
    return existing;
  }
  override async enableRoot(): Promise<UserSpec> {
    this.root = true;
    return { name: 'root', password: 'simulated-root-password' };
  }
  override async enableRootWithPassword(password: string): Promise<UserSpec> {
    this.root = true;
    return { name: 'root', password };
  }
  override async disableRoot(): Promise<void> {
    this.root = false;
  }
  override async isRootEnabled(): Promise<boolean> {
    return this.root;
  }
}

const info = (u: UserSpec): UserInfo => ({
  name: u.name,
  ...(u.host === undefined ? {} : { host: u.host }),
  databases: u.databases ?? [],
});

class SimulatedGuest {
  readonly manager: SimulatedManager;
  #listener?: Listener;
  #timer?: NodeJS.Timeout;
  readonly conductor: ConductorClient;

  constructor(
    readonly spec: InjectedGuest,
    readonly options: SimulatedOptions,
    alreadyPrepared: boolean,
  ) {
    this.manager = new SimulatedManager(
      {
        datastore: spec.datastore,
        guestId: spec.instanceId,
        options: {},
        mountPoint: '/',
        address: simulatedAddress(spec.instanceId),
        runDir: '/',
        logDir: '/',
        log: quiet,
      },
      this,
    );
    this.conductor = new ConductorClient(options.transport, spec.instanceId, spec.instanceKey);
    if (alreadyPrepared) {
      this.manager.status = 'healthy';
      this.#startHeartbeats();
    }
  }

  async start(): Promise<void> {
    this.#listener = await serve({
      transport: this.options.transport,
      topic: guestTopic(this.spec.instanceId),
      keyFor: () => this.spec.instanceKey,
      methods: guestMethods(this.manager),
    });
  }

  async prepared(request: PrepareRequest): Promise<void> {
    this.options.backups?.prepared?.(this.spec.instanceId, request);
    await new Promise((r) => setTimeout(r, this.options.prepareDelay * 1000));
    if (this.options.failPrepare?.test(this.spec.name)) {
      this.manager.status = 'failed to spawn';
      await this.beat({
        code: 'CELLAR_SIMULATED_PREPARE_FAILED',
        message: `the simulated ${this.spec.datastore} server failed to start (the name matches [simulated] fail_prepare_names)`,
      });
      return;
    }
    await this.manager.createDatabase(request.databases);
    await this.manager.createUser(request.users);
    if (request.rootPassword !== undefined)
      await this.manager.enableRootWithPassword(request.rootPassword);
    this.manager.status = 'healthy';
    // At once when prepare ends, so the control plane learns of ACTIVE without waiting a period.
    await this.beat();
    this.#startHeartbeats();
  }

  #startHeartbeats(): void {
    this.#timer = setInterval(
      () => void this.beat().catch(() => undefined),
      this.options.reportInterval * 1000,
    );
    this.#timer.unref();
  }

  async beat(fault?: Heartbeat['fault']): Promise<void> {
    await this.conductor.heartbeat({ status: this.manager.status, ...(fault ? { fault } : {}) });
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#listener?.close();
  }
}

export class SimulatedCompute implements ComputeDriver {
  readonly name = 'simulated';
  readonly #guests = new Map<string, SimulatedGuest>();

  constructor(private readonly options: SimulatedOptions) {}

  async #launch(spec: InjectedGuest, prepared: boolean): Promise<void> {
    if (this.#guests.has(spec.instanceId)) return;
    const guest = new SimulatedGuest(spec, this.options, prepared);
    this.#guests.set(spec.instanceId, guest);
    await guest.start();
  }

  async createServer(spec: InjectedGuest): Promise<ServerInfo> {
    await this.#launch(spec, false);
    return { status: 'ACTIVE', address: simulatedAddress(spec.instanceId) };
  }

  /** A guest's configuration values: those kept for its next start, and those applied live. */
  overridesOf(
    instanceId: string,
  ):
    | { readonly kept: Readonly<Record<string, Json>>; readonly live: ReadonlyMap<string, Json> }
    | undefined {
    const manager = this.#guests.get(instanceId)?.manager;
    return manager && { kept: manager.overrides, live: manager.live };
  }

  async getServer(instanceId: string): Promise<ServerInfo | undefined> {
    return this.#guests.has(instanceId)
      ? { status: 'ACTIVE', address: simulatedAddress(instanceId) }
      : undefined;
  }

  /** Nothing is stored: the server must exist. */
  async resizeVolume(instanceId: string): Promise<void> {
    if (!this.#guests.has(instanceId)) throw new Error(`no simulated server for ${instanceId}`);
  }

  async deleteServer(instanceId: string): Promise<void> {
    await this.#guests.get(instanceId)?.stop();
    this.#guests.delete(instanceId);
  }

  async adopt(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]> {
    for (const g of guests) await this.#launch(g, true);
    return [];
  }

  async close(): Promise<void> {
    for (const g of this.#guests.values()) await g.stop();
    this.#guests.clear();
  }
}

/** A stable address in 127.42.0.0/16 per instance, as the local driver will hand out. */
function simulatedAddress(instanceId: string): string {
  const n = parseInt(instanceId.replaceAll('-', '').slice(-4), 16);
  return `127.42.${(n >> 8) & 255}.${n & 255 || 1}`;
}
