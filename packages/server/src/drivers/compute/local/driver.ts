// The local compute driver, the embedded default: an instance is a directory under the guests'
// directory <home> (the state directory, or /var/lib/cellar/<deployment> when Cellar runs as root
// and the guests' users cannot reach the state directory: guest-home.ts), with its own loopback
// address, and a guest agent running there as a detached process of an unprivileged OS user: a
// user of its own per instance when Cellar runs as root, as on a server of its own, so one
// tenant's superuser cannot reach another's files or sockets. Guests outlive the control plane,
// which finds them again by PID and tells them by their working directory (the instance's run
// directory); a guest whose configuration files disappear (its instance was deleted) stops its
// database and exits. One standby agent per datastore waits, loaded (with the user of the next
// instance), so a create does not wait for Node to start; it ends, and removes its work, when its
// control plane is gone (orphan-watch.ts in @cellar/guest). Each job is a module of this folder;
// this class composes them.
//
//   <home>/instances/<id>/instance.json   what the driver knows: address, datastore, version, user
//                         guest_info.conf    the instance's identity and RPC key (0600, the guest's)
//                         cellar-guest.conf  how to reach the control plane; mount_point; the backup storage
//                         volume/            the data volume (mount_point): never removed but by a delete
//                         volume.img         as root, its ext4 image of the volume's size, mounted there (volumes.ts)
//                         log/               guest.log, the agent's output, the datastore's logs
//                         run/               sockets and pid files (0700, the guest's)
//                         guest.pid          the running agent
//                         process-groups     every process group a guest of this instance led
//   <home>/instances/.addresses/<ip>       claimed addresses, one file each (created exclusively)
//   /run/cellar/addresses/<ip>/            the same claims host-wide, shared by every deployment
//                                          (as root; others: $TMPDIR/cellar-addresses-<uid>/): host-claims.ts
//   <home>/instances/.users/<name>         OS users this deployment made, noted before they exist
//   <home>/instances/.grants/<name>        the backup directories a user was let into (storage-access.ts)
//   <home>/guest/<datastore>/cellar-guest.mjs          the guest artifact, readable by the guest users
//   <home>/guest/<datastore>/standbys/                 sticky (1733): each standby may remove its own
//   <home>/guest/<datastore>/standbys/standby-<tag>/   a standby's work ahead (PostgreSQL: initdb)
//   <home>/guest/<datastore>/standbys/standby-<tag>.out  what it writes before it has an instance
//   <home>/rpc/                            the RPC sockets (the conductor's open to the guests)
//   <home>/state-path                      (under /var/lib/cellar only) the state directory it serves

import { chmod, realpath, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  ComputeDriverNotAvailable,
  InstanceRecordUnreadable,
  type BackupStorage,
} from '@cellar/plugin-api';
import { agentSocket } from '@cellar/guest';
import type { Transport } from '@cellar/rpc';
import type { ComputeDriver, GuestDown, InjectedGuest, ServerInfo } from '../compute-driver.js';
import { AddressPool } from './address-pool.js';
import { endInstanceProcesses } from './end-instance.js';
import type { GuestRpc, GuestSettings } from './guest-config.js';
import { unreachable } from './permissions.js';
import { guestProgram } from './guest-program.js';
import { InstanceLocks, RestartBackOff } from './instance-locks.js';
import { InstanceRecords, type InstanceRecord } from './instance-records.js';
import { fenceProcesses } from './fence.js';
import { launchAgent } from './launch.js';
import { makeInstance, type InstanceParts } from './make-instance.js';
import { GuestUsers } from './os-users.js';
import { removeStandbyFiles, StandbyPool, type Standby } from './standby-pool.js';
import { StorageAccess } from './storage-access.js';
import { LocalVolumes } from './volumes.js';

export interface LocalOptions {
  /** The guests' directory (guest-home.ts): guests are told apart by their working directories. */
  readonly home: string;
  readonly appRoot: string;
  readonly transport: Transport;
  /** How guests reach the control plane, written into each cellar-guest.conf. */
  readonly rpc: GuestRpc;
  /** The backup storage written into each cellar-guest.conf, its section included. */
  readonly backupStorage?: GuestSettings['backupStorage'];
  /** Opens that storage: one on this machine (hostDirectory) is opened to each project's guests. */
  readonly openBackupStorage?: () => Promise<BackupStorage>;
  /** Lines of a datastore's guest section taken from the server's configuration. */
  readonly datastoreLines?: GuestSettings['datastoreLines'];
  /** `[local]`: the address pool, the guest users' name prefix, the heartbeat period, the start timeout. */
  readonly addressPool: string;
  readonly userPrefix: string;
  readonly reportInterval: number;
  readonly startTimeout: number;
  /** The enabled datastores whose plugin has a guest half: each gets standby agents. */
  readonly withGuests: readonly string[];
  /** `[local] standby_agents`: how many loaded agents wait per datastore (0: none). */
  readonly standbyAgents: number;
  /** Each datastore's default version, for its standby's work ahead. */
  readonly defaultVersions?: Readonly<Record<string, string>>;
  readonly log: {
    info(f: Record<string, unknown>, m: string): void;
    warn(f: Record<string, unknown>, m: string): void;
  };
}

/** Where the control plane calls an instance's guest when the transport is local. */
export const localGuestSocket = (home: string, instanceId: string): string =>
  agentSocket(join(home, 'instances', instanceId, 'run'));

/** How long after a launch the next standby agent is started. */
const NEXT_STANDBY_DELAY_MS = 2000;

export class LocalCompute implements ComputeDriver {
  readonly name = 'local';
  readonly #root = process.getuid?.() === 0;
  readonly #records: InstanceRecords;
  readonly #addresses: AddressPool;
  readonly #users: GuestUsers;
  readonly #access: StorageAccess;
  readonly #standbys: StandbyPool;
  readonly #locks = new InstanceLocks();
  readonly #backOff = new RestartBackOff();
  readonly #volumes: LocalVolumes;
  #closed = false;
  /** Why guests cannot run here (set once, at open), or undefined when they can. */
  #unavailable?: string;

  private constructor(private readonly options: LocalOptions) {
    const instances = join(options.home, 'instances');
    this.#records = new InstanceRecords(instances);
    this.#addresses = new AddressPool(instances, options.addressPool);
    this.#volumes = new LocalVolumes(this.#root, options.log);
    this.#access = new StorageAccess({
      dir: join(instances, '.grants'),
      openStorage: options.backupStorage ? options.openBackupStorage : undefined,
      log: options.log,
    });
    this.#users = new GuestUsers(
      join(instances, '.users'),
      options.userPrefix,
      this.#root,
      options.log,
      (name) => this.#access.revoke(name),
    );
    this.#standbys = new StandbyPool(
      {
        home: options.home,
        appRoot: options.appRoot,
        perDatastore: options.standbyAgents,
        defaultVersions: options.defaultVersions,
        log: options.log,
      },
      this.#users,
    );
  }

  /**
   * Prepares the guests' directory: passable (not listable) by the guests' users when Cellar runs
   * as root, and rid of the users and work of standbys a killed control plane left behind, unless
   * a record cannot be read (it may name any of them).
   */
  static async open(options: LocalOptions): Promise<LocalCompute> {
    const driver = new LocalCompute({ ...options, home: await realpath(options.home) });
    await driver.#addresses.open();
    await driver.#users.open();
    await driver.#access.open();
    const { records, unreadable: damaged } = await driver.#records.all();
    if (damaged.length > 0)
      options.log.warn(
        { instances: damaged },
        'instance records cannot be read: their instances are left as they are, and no unused guest user or standby work is removed',
      );
    const used = new Set(records.flatMap((r) => (r.user ? [r.user.name] : [])));
    await driver.#volumes.removeOrphans(
      driver.#records.root,
      new Set([...records.map((r) => r.id), ...damaged]),
    );
    if (driver.#root) await driver.#openAsRoot(damaged.length === 0 ? used : undefined);
    else
      options.log.warn(
        { user: userInfo().username },
        'Cellar is not running as root: every guest and its database run as its own user, not isolated from each other or from Cellar (for development only)',
      );
    if (damaged.length === 0) await driver.#standbys.removeLeftovers(records);
    for (const datastore of options.withGuests) driver.#standBy(datastore);
    return driver;
  }

  async #openAsRoot(used: ReadonlySet<string> | undefined): Promise<void> {
    try {
      await chmod(this.options.home, 0o711);
      await chmod(this.#records.root, 0o711);
      this.#unavailable = await unreachable([this.#records.root, process.execPath]);
      if (used) await this.#users.removeUnused(used);
    } catch (error) {
      this.#unavailable = error instanceof Error ? error.message : String(error);
    }
    if (this.#unavailable)
      this.options.log.warn(
        { reason: this.#unavailable },
        'the local compute driver cannot start guests',
      );
  }

  /** The guests' directory: instances live in its instances/. */
  get home(): string {
    return this.options.home;
  }

  /** Why guests cannot run here, for start-up to show; undefined when they can. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  /** Keeps `[local] standby_agents` standby agents per datastore, so a create does not wait for Node to start or for initdb. */
  #standBy(datastore: string): void {
    if (this.#closed || this.#unavailable || !this.options.withGuests.includes(datastore)) return;
    this.#standbys.fill(datastore);
  }

  /**
   * Starts the instance's agent (the standby given the instance, or a new process as the
   * instance's user) and waits until it answers a ping; a failed start ends what it started.
   */
  async #launch(guest: InjectedGuest, record: InstanceRecord, standby?: Standby): Promise<void> {
    const dir = this.#records.dir(guest.instanceId);
    // After a restart of the host, its volume is mounted again before its guest looks at it.
    await this.#volumes.mount(dir, record.volume, record.user);
    const launched = launchAgent(this.options, dir, guest, record, {
      standby,
      program: () => guestProgram(this.options.appRoot, this.options.home, guest.datastore),
    });
    // The next standby starts once this instance's initdb is well under way, not competing with it
    // for the CPU; a create arriving sooner starts its agent itself.
    setTimeout(() => this.#standBy(guest.datastore), NEXT_STANDBY_DELAY_MS).unref();
    await launched;
  }

  /** What a new instance's directory is made from: its volume of the size asked for. */
  #parts(guest: InjectedGuest): InstanceParts {
    return {
      records: this.#records,
      addresses: this.#addresses,
      users: this.#users,
      access: this.#access,
      standbys: this.#standbys,
      settings: this.options,
      furnish: async (dir, user) => {
        const volume = await this.#volumes.create(dir, user, guest.volumeSize);
        return volume ? { volume } : undefined;
      },
      unfurnish: (dir) => this.#volumes.remove(dir),
    };
  }

  createServer(guest: InjectedGuest): Promise<ServerInfo> {
    return this.#locks.exclusive(guest.instanceId, () => this.#createServer(guest));
  }

  async #createServer(guest: InjectedGuest): Promise<ServerInfo> {
    if (this.#unavailable)
      throw new ComputeDriverNotAvailable({ driver: 'local', reason: this.#unavailable });
    if (!this.options.withGuests.includes(guest.datastore)) {
      throw new ComputeDriverNotAvailable({
        driver: 'local',
        reason: `the ${guest.datastore} datastore plugin has no guest half (cellar.datastore.guest), so it cannot run real instances yet`,
      });
    }
    // A record that cannot be read throws here: the instance's data is never removed for it.
    let record = await this.#records.read(guest.instanceId);
    if (record && (await this.#records.guestPid(guest.instanceId)))
      return { status: 'ACTIVE', address: record.address };
    let standby: Standby | undefined;
    if (!record) {
      standby = await this.#standbys.take(guest.datastore);
      record = await makeInstance(this.#parts(guest), guest, standby);
    }
    await this.#launch(guest, record, standby);
    this.options.log.info(
      { instance: guest.instanceId, address: record.address, user: record.user?.name },
      'guest agent started',
    );
    return { status: 'ACTIVE', address: record.address };
  }

  /** ACTIVE or SHUTDOWN; ERROR when the instance's record cannot be read. */
  async getServer(instanceId: string): Promise<ServerInfo | undefined> {
    let record: InstanceRecord | undefined;
    try {
      record = await this.#records.read(instanceId);
    } catch (error) {
      if (error instanceof InstanceRecordUnreadable) return { status: 'ERROR', address: '' };
      throw error;
    }
    if (!record) return undefined;
    return {
      status: (await this.#records.guestPid(instanceId)) ? 'ACTIVE' : 'SHUTDOWN',
      address: record.address,
    };
  }

  /**
   * Ends every process this instance's guests started: its identity file first (a guest nobody
   * finds ends itself on seeing it gone), the agent (it leaves its database running), then
   * SIGINT to what remains of its process groups and their descendants (PostgreSQL's fast
   * shutdown) and SIGKILL after a grace period. Only then are the directory, the address and the
   * instance's user removed.
   */
  deleteServer(instanceId: string): Promise<void> {
    this.#backOff.succeeded(instanceId);
    return this.#locks.exclusive(instanceId, () => this.#deleteServer(instanceId));
  }

  async #deleteServer(instanceId: string): Promise<void> {
    const dir = this.#records.dir(instanceId);
    const record = await this.#records.read(instanceId).catch((error: unknown) => {
      this.options.log.warn(
        { instance: instanceId, err: error },
        'the record of a deleted instance cannot be read: its guest user and standby work stay',
      );
      return undefined;
    });
    const killed = await endInstanceProcesses(dir, await this.#records.guestPid(instanceId));
    if (killed.length > 0)
      this.options.log.warn(
        { instance: instanceId, pids: killed },
        'processes of a deleted instance did not stop; they were killed',
      );
    // Unmounted first (this throws while it cannot be): the removal must not reach into it.
    await this.#volumes.remove(dir);
    await rm(dir, { recursive: true, force: true });
    // The agent's standard output stays the file it had as a standby.
    if (record?.standbyDir)
      await removeStandbyFiles({ dir: record.standbyDir, output: `${record.standbyDir}.out` });
    await this.#addresses.release(instanceId);
    if (record?.user) await this.#users.drop(record.user.name);
  }

  /** Grows the instance's volume to `sizeGb` (offline: its database must be stopped), and records it. */
  resizeVolume(instanceId: string, sizeGb: number): Promise<void> {
    return this.#locks.exclusive(instanceId, async () => {
      const record = await this.#records.read(instanceId);
      if (!record) throw new Error(`instance ${instanceId} has no server here`);
      // An instance made before volumes were images keeps its plain directory: the size is noted.
      const made = record.volume ?? { sizeGb, enforced: false };
      const dir = this.#records.dir(instanceId);
      const volume = await this.#volumes.grow(dir, made, sizeGb, record.user);
      await this.#records.write({ ...record, volume });
    });
  }

  /** Kills every process of the instance at once (a source taken for dead), by PID. */
  fence(instanceId: string): Promise<readonly number[]> {
    return fenceProcesses(this.#records, instanceId);
  }

  /** After a control-plane restart: live guests are left alone; a guest that died is started again. */
  async adopt(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]> {
    if (this.#unavailable) return [];
    for (const g of guests)
      await this.#access.adopt(g.project, () => this.#records.read(g.instanceId));
    return (await Promise.all(guests.map((guest) => this.#startAgain(guest, false)))).filter(
      (d) => d !== undefined,
    );
  }

  /** A guest that died is started again; one that keeps failing to start waits longer each time. */
  async revive(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]> {
    if (this.#unavailable || this.#closed) return [];
    return (await Promise.all(guests.map((guest) => this.#startAgain(guest, true)))).filter(
      (d) => d !== undefined,
    );
  }

  /** Starts a dead guest again; says why when it would not start the first time in a row. */
  #startAgain(guest: InjectedGuest, backOff: boolean): Promise<GuestDown | undefined> {
    const id = guest.instanceId;
    return this.#locks.exclusive(id, async () => {
      if (backOff && this.#backOff.waiting(id)) return undefined;
      try {
        // Looked at under the instance's lock: a delete that came first has removed the directory.
        const record = await this.#records.read(id);
        if (!record || (await this.#records.guestPid(id))) return undefined;
        this.options.log.info(
          { instance: id },
          'the guest agent is not running; starting it again',
        );
        await this.#launch(guest, record);
        this.#backOff.succeeded(id);
        return undefined;
      } catch (error) {
        const { failures, delay } = this.#backOff.failed(id);
        this.options.log.warn(
          { instance: id, err: error, failures, retryInSeconds: delay },
          'the guest agent did not start again',
        );
        return failures === 1 ? { instanceId: id, error } : undefined;
      }
    });
  }

  /** Guests outlive the control plane; standby agents, which serve no instance yet, end with it, and so do their users. */
  async close(): Promise<void> {
    this.#closed = true;
    // Standbys' processes and channels do not hold the event loop: this timer does, meanwhile.
    const holding = setInterval(() => undefined, 1000);
    try {
      await this.#standbys.close();
      await this.#access.close();
    } finally {
      clearInterval(holding);
    }
  }
}
