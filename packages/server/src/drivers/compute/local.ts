// The local compute driver, the embedded default: an instance is a directory under the state
// directory, with its own loopback address, and a guest agent running there as a detached process
// of an unprivileged OS user: a user of its own per instance when Cellar runs as root, as on a
// server of its own, so one tenant's superuser cannot reach another's files or sockets. Guests
// outlive the control plane, which finds them again by PID and tells them by their working
// directory (the instance's run directory). One standby agent per datastore waits, loaded (with
// the user of the next instance), so a create does not wait for Node to start.
//
//   <state>/instances/<id>/instance.json      what the driver knows: address, datastore, version, user
//                          guest_info.conf    the instance's identity and RPC key (0600, the guest's)
//                          cellar-guest.conf  how to reach the control plane; the datastore's mount_point
//                          volume/            the data volume (mount_point)
//                          log/               guest.log, the agent's output, the datastore's logs
//                          run/               sockets and pid files (0700, the guest's)
//                          guest.pid          the running agent
//                          process-groups     every process group a guest of this instance led
//   <state>/instances/.addresses/<ip>         claimed addresses, one file each (created exclusively)
//   <state>/guest/<datastore>/cellar-guest.mjs  the guest artifact, copied where the guest user can read it
//   <state>/guest/<datastore>/standby-<tag>/   a standby agent's work ahead (PostgreSQL: initdb), the guest's
//   <state>/guest/<datastore>/standby-<tag>.out  what a standby agent writes before it has an instance

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, fchownSync, openSync } from 'node:fs';
import {
  appendFile,
  chmod,
  chown,
  copyFile,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { userInfo } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComputeDriverNotAvailable, GuestStartFailed } from '@cellar/plugin-api';
import { agentSocket } from '@cellar/guest';
import { artifactDir, ARTIFACT_FILE, readGuestArtifact } from '@cellar/guest/artifact';
import { GuestClient, type Transport } from '@cellar/rpc';
import type { ComputeDriver, GuestDown, InjectedGuest, ServerInfo } from './compute-driver.js';
import {
  commandLine,
  endProcesses,
  readProcesses,
  signal,
  withDescendants,
  workingDir,
} from './processes.js';

const run = promisify(execFile);

export interface LocalOptions {
  readonly statePath: string;
  readonly appRoot: string;
  readonly transport: Transport;
  /** How guests reach the control plane, written into each cellar-guest.conf. */
  readonly rpc:
    | { readonly transport: 'local'; readonly socketDir: string }
    | { readonly transport: 'amqp'; readonly amqpUrl: string };
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

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

interface InstanceRecord {
  readonly id: string;
  readonly address: string;
  readonly datastore: string;
  readonly version: string;
  /** The instance's own OS user; absent when guests run as Cellar's user (Cellar is not root). */
  readonly user?: OsUser;
  /** The work directory of the standby that became this instance's agent, removed with the instance. */
  readonly standbyDir?: string;
}

/** A loaded agent waiting on its IPC channel for an instance: the user it runs as, and its work directory. */
interface Standby {
  readonly child: ChildProcess;
  readonly user: OsUser | undefined;
  readonly dir: string;
  readonly output: string;
}

/** Where the control plane calls an instance's guest when the transport is local. */
export const localGuestSocket = (statePath: string, instanceId: string): string =>
  agentSocket(join(statePath, 'instances', instanceId, 'run'));

/** The usable IPv4 addresses of a pool like 127.42.0.0/16: all but the network's own and its broadcast. */
export function parsePool(pool: string): { first: number; last: number } {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(pool.trim());
  const octets = m ? [127, Number(m[1]), Number(m[2]), Number(m[3])] : [];
  const prefix = m ? Number(m[4]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
    throw new Error(
      `[local] address_pool '${pool}' is not a loopback network: expected a CIDR within 127.0.0.0/8 with a prefix of 8 to 30, e.g. 127.42.0.0/16`,
    );
  }
  const base = (octets.reduce((n, o) => n * 256 + o, 0) >>> 0) & ((~0 << (32 - prefix)) >>> 0);
  return { first: base + 1, last: base + 2 ** (32 - prefix) - 2 };
}

const dotted = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The processes of these process groups that work in the instance's directory or name it (a PID
 * reused since is someone else's), and all their descendants. Descendants count too: PostgreSQL's
 * server processes each lead a group of their own.
 */
async function processTree(groups: readonly number[], dir: string): Promise<number[]> {
  const table = await readProcesses();
  const roots = [...table].filter(([, p]) => groups.includes(p.pgrp)).map(([pid]) => pid);
  const ours = await Promise.all(
    roots.map(
      async (pid) =>
        (await workingDir(pid))?.startsWith(`${dir}/`) === true ||
        (await commandLine(pid)).includes(dir),
    ),
  );
  return withDescendants(
    table,
    roots.filter((_, i) => ours[i]),
  );
}

/** True when nothing listens on the port at that address. */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** Standby work directories and outputs are named this and a tag (the standby's user when there is one). */
const STANDBY_PREFIX = 'standby-';
/** How long a stopping standby may take to finish its work ahead before it is killed. */
const STANDBY_STOP_GRACE_MS = 30_000;
/** How long after a launch the next standby agent is started. */
const NEXT_STANDBY_DELAY_MS = 2000;
/** The longest wait between attempts to start again a guest that keeps failing. */
const MAX_RESTART_DELAY_S = 300;

/**
 * What a failed guest said, for the fault a user reads: from its last error line (a start-up
 * refusal or an uncaught error), without stack frames; its last lines when it named no error.
 */
export async function tail(file: string, lines = 8): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trimEnd();
  } catch {
    return 'it wrote nothing';
  }
  const all = text.split('\n');
  let from = -1;
  all.forEach((line, i) => {
    if (/^(\w*Error\b|the guest agent (did not start|failed))/.test(line)) from = i;
  });
  const picked = (from >= 0 ? all.slice(from) : all.slice(-lines)).filter(
    (line) => !/^\s+at /.test(line) && line.trim() !== '',
  );
  return picked.slice(0, lines).join(' | ') || 'it wrote nothing';
}

export class LocalCompute implements ComputeDriver {
  readonly name = 'local';
  readonly #root = process.getuid?.() === 0;
  readonly #instances: string;
  readonly #addresses: string;
  /** One empty file per OS user this deployment made, so it removes its own users and no other's. */
  readonly #users: string;
  readonly #pool: { first: number; last: number };
  /** Per datastore, the standby agents starting or waiting, oldest first. */
  readonly #standbys = new Map<string, Promise<Standby | undefined>[]>();
  /** Standby processes not given an instance yet: they end with the control plane. */
  readonly #waiting = new Map<ChildProcess, Standby>();
  #closed = false;
  /** Per instance, the create, delete or restart of its guest under way: the next waits for it. */
  readonly #busy = new Map<string, Promise<unknown>>();
  /** Guests that would not start again: how many times in a row, and when to try next. */
  readonly #failing = new Map<string, { failures: number; notBefore: number }>();
  /** Why guests cannot run here (set once, at open), or undefined when they can. */
  #unavailable?: string;

  private constructor(private readonly o: LocalOptions) {
    this.#instances = join(o.statePath, 'instances');
    this.#addresses = join(this.#instances, '.addresses');
    this.#users = join(this.#instances, '.users');
    this.#pool = parsePool(o.addressPool);
  }

  /**
   * Prepares the state directory for guests: passable (not listable) by the guests' users when
   * Cellar runs as root, and rid of the users of standbys a crashed control plane left behind.
   * `statePath` must be its real path: guests are told apart by their working directories.
   */
  static async open(o: LocalOptions): Promise<LocalCompute> {
    const driver = new LocalCompute({ ...o, statePath: await realpath(o.statePath) });
    await mkdir(driver.#addresses, { recursive: true, mode: 0o700 });
    await mkdir(driver.#users, { recursive: true, mode: 0o700 });
    const records = await driver.#records();
    if (driver.#root) {
      try {
        await chmod(driver.o.statePath, 0o711);
        await chmod(driver.#instances, 0o711);
        driver.#unavailable = await unreachable([driver.#instances, process.execPath]);
        await driver.#removeUnusedUsers(records);
      } catch (error) {
        driver.#unavailable = error instanceof Error ? error.message : String(error);
      }
      if (driver.#unavailable)
        o.log.warn({ reason: driver.#unavailable }, 'the local compute driver cannot start guests');
    } else {
      o.log.warn(
        { user: userInfo().username },
        'Cellar is not running as root: every guest and its database run as its own user, not isolated from each other or from Cellar (for development only)',
      );
    }
    await driver.#removeStandbyLeftovers(records);
    for (const datastore of o.withGuests) driver.#standBy(datastore);
    return driver;
  }

  /** Why guests cannot run here, for start-up to show; undefined when they can. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  #dir(id: string): string {
    return join(this.#instances, id);
  }

  /** The record of every instance this driver has. */
  async #records(): Promise<InstanceRecord[]> {
    const records = await Promise.all(
      (await readdir(this.#instances)).map((id) => this.#record(id)),
    );
    return records.filter((r) => r !== undefined);
  }

  async #record(id: string): Promise<InstanceRecord | undefined> {
    try {
      return JSON.parse(
        await readFile(join(this.#dir(id), 'instance.json'), 'utf8'),
      ) as InstanceRecord;
    } catch {
      return undefined;
    }
  }

  /** A new OS user for one instance when Cellar runs as root; Cellar's own (undefined) otherwise. */
  async #newUser(): Promise<OsUser | undefined> {
    if (!this.#root) return undefined;
    const name = `${this.o.userPrefix}${randomBytes(4).toString('hex')}`;
    // Noted before it exists: a control plane killed in between still finds it to remove.
    await writeFile(join(this.#users, name), '', { flag: 'wx' });
    try {
      return await createUser(name);
    } catch (error) {
      await rm(join(this.#users, name), { force: true });
      throw error;
    }
  }

  async #dropUser(name: string): Promise<void> {
    await removeUser(name);
    await rm(join(this.#users, name), { force: true });
  }

  /**
   * Users this deployment made that no instance names: standbys' users from a control plane that
   * died. Another deployment's users on this machine, with the same prefix, are not ours to touch.
   */
  async #removeUnusedUsers(records: readonly InstanceRecord[]): Promise<void> {
    const used = new Set(records.map((r) => r.user?.name));
    for (const name of await readdir(this.#users)) if (!used.has(name)) await this.#dropUser(name);
  }

  /**
   * Claims the lowest free address of the pool: not claimed by this deployment (the exclusive create
   * makes that safe across processes) and with the datastore's ports free (another deployment on
   * this machine, or anything else, may hold them).
   */
  async #claimAddress(id: string, ports: readonly number[]): Promise<string> {
    const taken = new Set(await readdir(this.#addresses));
    for (let n = this.#pool.first; n <= this.#pool.last; n++) {
      const address = dotted(n);
      if ((n & 255) === 0 || (n & 255) === 255 || taken.has(address)) continue;
      try {
        await writeFile(join(this.#addresses, address), id, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        continue;
      }
      if ((await Promise.all(ports.map((port) => portFree(address, port)))).every(Boolean))
        return address;
      // Held by someone else: keep the claim file out of the way only while this loop runs.
      await rm(join(this.#addresses, address), { force: true });
    }
    throw new ComputeDriverNotAvailable({
      driver: 'local',
      reason: `every address of [local] address_pool ${this.o.addressPool} is in use`,
    });
  }

  /** Every address this instance claimed (a create interrupted half way may have claimed one). */
  async #releaseAddresses(id: string): Promise<void> {
    for (const address of await readdir(this.#addresses)) {
      const owner = await readFile(join(this.#addresses, address), 'utf8').catch(() => '');
      if (owner === id) await rm(join(this.#addresses, address), { force: true });
    }
  }

  /** The program a guest runs: the datastore's artifact when built, else the unbundled agent. */
  async #program(datastore: string): Promise<{ args: string[]; cwd: string }> {
    const artifact = await readGuestArtifact(this.o.appRoot, datastore);
    if (!artifact)
      return {
        args: [join(this.o.appRoot, 'node_modules', '@cellar', 'guest', 'bin', 'cellar-guest.js')],
        cwd: this.o.appRoot,
      };
    // A copy under the state directory, which the guest users can reach wherever the deployment is.
    const copy = join(this.o.statePath, 'guest', datastore, ARTIFACT_FILE);
    const source = join(artifactDir(this.o.appRoot, datastore), ARTIFACT_FILE);
    const [from, to] = await Promise.all([stat(source), stat(copy).catch(() => undefined)]);
    if (!to || to.size !== from.size || to.mtimeMs < from.mtimeMs) {
      await mkdir(dirname(copy), { recursive: true, mode: 0o755 });
      await chmod(join(this.o.statePath, 'guest'), 0o755);
      // A name of its own: a standby and a launch may copy at the same moment.
      const fresh = `${copy}.${randomUUID()}`;
      await copyFile(source, fresh);
      await chmod(fresh, 0o644);
      await rename(fresh, copy);
    }
    return { args: [copy], cwd: '/' };
  }

  async #writeConfig(guest: InjectedGuest, record: InstanceRecord): Promise<void> {
    const dir = this.#dir(guest.instanceId);
    const info = [
      '# Injected by the local compute driver: who this guest is.',
      '[DEFAULT]',
      `guest_id = ${guest.instanceId}`,
      `datastore_manager = ${guest.datastore}`,
      `datastore_version = ${guest.datastoreVersion}`,
      `instance_address = ${record.address}`,
      '',
      '[rpc]',
      `instance_key = ${guest.instanceKey}`,
      '',
    ];
    const rpc =
      this.o.rpc.transport === 'local'
        ? [`transport = local`, `socket_dir = ${this.o.rpc.socketDir}`]
        : [`transport = amqp`, `amqp_url = ${this.o.rpc.amqpUrl}`];
    const conf = [
      '# Injected by the local compute driver: the guest half of the configuration.',
      '[DEFAULT]',
      `report_interval = ${this.o.reportInterval}`,
      `run_dir = ${join(dir, 'run')}`,
      `log_dir = ${join(dir, 'log')}`,
      '',
      '[rpc]',
      ...rpc,
      '',
      `[${guest.datastore}]`,
      `mount_point = ${join(dir, 'volume')}`,
      '',
    ];
    for (const [name, lines] of [
      ['guest_info.conf', info],
      ['cellar-guest.conf', conf],
    ] as const) {
      await writeFile(join(dir, name), lines.join('\n'), { mode: 0o600 });
      await owned(join(dir, name), record.user);
    }
  }

  /**
   * A new agent process, detached, as `user`: a standby (loaded, waiting on its IPC channel for an
   * instance) or one started for an instance with its arguments.
   */
  async #spawnAgent(
    datastore: string,
    argv: readonly string[],
    output: string,
    user: OsUser | undefined,
  ): Promise<ChildProcess> {
    const { args, cwd } = await this.#program(datastore);
    const fd = openSync(output, 'a', 0o640);
    try {
      // The agent appends to it too, after it has an instance.
      if (user) fchownSync(fd, user.uid, user.gid);
      return spawn(process.execPath, [...args, ...argv], {
        detached: true,
        stdio: ['ignore', fd, fd, ...(argv[0] === '--standby' ? (['ipc'] as const) : [])],
        cwd,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/' },
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps `[local] standby_agents` standby agents per datastore, so a create does not wait for Node to start or for initdb. */
  #standBy(datastore: string): void {
    if (this.#closed || this.#unavailable || !this.o.withGuests.includes(datastore)) return;
    const pool = this.#standbys.get(datastore) ?? [];
    this.#standbys.set(datastore, pool);
    while (pool.length < this.o.standbyAgents) pool.push(this.#startStandby(datastore));
  }

  #startStandby(datastore: string): Promise<Standby | undefined> {
    return (async (): Promise<Standby | undefined> => {
      const user = await this.#newUser();
      const dir = join(
        this.o.statePath,
        'guest',
        datastore,
        `${STANDBY_PREFIX}${user?.name ?? randomBytes(4).toString('hex')}`,
      );
      const output = `${dir}.out`;
      await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
      await mkdir(dir, { mode: 0o700 });
      await owned(dir, user);
      const version = this.o.defaultVersions?.[datastore];
      const argv = [
        '--standby',
        '--datastore',
        datastore,
        '--work-dir',
        dir,
        ...(version === undefined ? [] : ['--datastore-version', version]),
      ];
      const child = await this.#spawnAgent(datastore, argv, output, user);
      child.unref();
      child.channel?.unref();
      const made: Standby = { child, user, dir, output };
      this.#waiting.set(child, made);
      child.once('exit', () => {
        // Given no instance: nothing of it is kept (close() ends and cleans the others itself).
        if (!this.#waiting.delete(child)) return;
        void removeStandbyFiles(made).then(() => (user ? this.#dropUser(user.name) : undefined));
      });
      return new Promise((resolve) => {
        child.once('message', () => resolve(made));
        child.once('exit', () => resolve(undefined));
        child.once('error', () => resolve(undefined));
      });
    })().catch((error: unknown) => {
      this.o.log.warn({ datastore, err: error }, 'a standby guest agent did not start');
      return undefined;
    });
  }

  /**
   * A standby given no instance: its process group (its work ahead with it), its files and its
   * user. It is given time to finish its work ahead: an initdb killed half way leaves its
   * bootstrap server's shared memory segments in /dev/shm.
   */
  async #endStandby(standby: Standby): Promise<void> {
    this.#waiting.delete(standby.child);
    await endProcess(standby.child, STANDBY_STOP_GRACE_MS);
    if (standby.child.pid !== undefined)
      signal(await processTree([standby.child.pid], standby.dir), 'SIGKILL');
    await removeStandbyFiles(standby);
    if (standby.user) await this.#dropUser(standby.user.name);
  }

  /** Standby work directories and outputs that no instance names: standbys of a control plane that died. */
  async #removeStandbyLeftovers(records: readonly InstanceRecord[]): Promise<void> {
    const kept = new Set(records.map((r) => r.standbyDir));
    const guestDir = join(this.o.statePath, 'guest');
    for (const datastore of await readdir(guestDir).catch(() => [])) {
      for (const name of await readdir(join(guestDir, datastore)).catch(() => [])) {
        const path = join(guestDir, datastore, name);
        if (name.startsWith(STANDBY_PREFIX) && !kept.has(path.replace(/\.out$/, '')))
          await rm(path, { recursive: true, force: true });
      }
    }
  }

  /** The oldest live standby of this datastore, each taken before waiting so two creates never share one. */
  async #takeStandby(datastore: string): Promise<Standby | undefined> {
    const pool = this.#standbys.get(datastore) ?? [];
    for (let taken = pool.shift(); taken !== undefined; taken = pool.shift()) {
      const standby = await taken;
      if (!standby?.child.connected) continue;
      this.#waiting.delete(standby.child);
      return standby;
    }
    return undefined;
  }

  /**
   * Starts the instance's agent (the standby given the instance, or a new process as the
   * instance's user) and waits until it answers a ping; a failed start ends what it started.
   */
  async #launch(guest: InjectedGuest, record: InstanceRecord, standby?: Standby): Promise<void> {
    const dir = this.#dir(guest.instanceId);
    const output = join(dir, 'log', 'guest.out');
    const argv = [
      '--config-file',
      join(dir, 'guest_info.conf'),
      '--config-file',
      join(dir, 'cellar-guest.conf'),
    ];
    const child =
      standby?.child ?? (await this.#spawnAgent(guest.datastore, argv, output, record.user));
    if (!standby) child.unref();
    // The next standby starts once this instance's initdb is well under way, not competing with it
    // for the CPU; a create arriving sooner starts its agent itself.
    setTimeout(() => this.#standBy(guest.datastore), NEXT_STANDBY_DELAY_MS).unref();
    let exited: string | undefined;
    child.once(
      'exit',
      (code, signal) =>
        (exited = signal ? `it was ended by ${signal}` : `it exited with status ${code ?? '?'}`),
    );
    child.once('error', (error) => (exited = error.message));
    const pid = child.pid;
    if (pid === undefined)
      throw new GuestStartFailed({
        instance: guest.instanceId,
        reason: `${process.execPath} could not be started: ${exited ?? 'no process'}`,
      });
    // Recorded before the agent has its instance: whatever happens next, delete finds it.
    await writeFile(join(dir, 'guest.pid'), `${pid}\n`);
    await appendFile(join(dir, 'process-groups'), `${pid}\n`);
    if (standby) {
      child.send({ argv, output });
      child.disconnect();
    }

    const client = new GuestClient(this.o.transport, guest.instanceId, guest.instanceKey, {
      low: 2,
      high: 2,
    });
    const deadline = Date.now() + this.o.startTimeout * 1000;
    for (;;) {
      let failure: string | undefined;
      if (exited !== undefined) failure = `${exited}: ${await tail(output)}`;
      else if (await client.ping({ requestId: 'start' }, 2).catch(() => false)) return;
      else if (Date.now() > deadline)
        failure = `it did not answer within ${this.o.startTimeout} s ([local] guest_start_timeout); its output: ${await tail(output)}`;
      if (failure !== undefined) {
        signal(await processTree([pid], dir), 'SIGKILL');
        throw new GuestStartFailed({ instance: guest.instanceId, reason: failure });
      }
      await sleep(10);
    }
  }

  async #guestPid(id: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.#dir(id), 'guest.pid'), 'utf8')).trim());
      // A PID may have been reused since: ours works in this instance's run directory.
      return Number.isInteger(pid) &&
        alive(pid) &&
        (await workingDir(pid)) === join(this.#dir(id), 'run')
        ? pid
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs work for one instance after what is under way for it, so a revival never races a create or a delete. */
  #exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#busy.get(id) ?? Promise.resolve()).then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#busy.set(id, settled);
    void settled.then(() => {
      if (this.#busy.get(id) === settled) this.#busy.delete(id);
    });
    return result;
  }

  createServer(guest: InjectedGuest): Promise<ServerInfo> {
    return this.#exclusive(guest.instanceId, () => this.#createServer(guest));
  }

  async #createServer(guest: InjectedGuest): Promise<ServerInfo> {
    if (this.#unavailable)
      throw new ComputeDriverNotAvailable({ driver: 'local', reason: this.#unavailable });
    if (!this.o.withGuests.includes(guest.datastore)) {
      throw new ComputeDriverNotAvailable({
        driver: 'local',
        reason: `the ${guest.datastore} datastore plugin has no guest half (cellar.datastore.guest), so it cannot run real instances yet`,
      });
    }
    const dir = this.#dir(guest.instanceId);
    let record = await this.#record(guest.instanceId);
    if (record && (await this.#guestPid(guest.instanceId)))
      return { status: 'ACTIVE', address: record.address };
    let standby: Standby | undefined;
    if (!record) {
      // Begun again from nothing: what an interrupted attempt left is removed first.
      await rm(dir, { recursive: true, force: true });
      await this.#releaseAddresses(guest.instanceId);
      standby = await this.#takeStandby(guest.datastore);
      const user = standby ? standby.user : await this.#newUser();
      try {
        await mkdir(dir, { recursive: true, mode: 0o711 });
        for (const [sub, mode] of [
          ['volume', 0o700],
          ['log', 0o750],
          ['run', 0o700],
        ] as const) {
          await mkdir(join(dir, sub), { mode });
          await owned(join(dir, sub), user);
        }
        const address = await this.#claimAddress(guest.instanceId, guest.tcpPorts);
        record = {
          id: guest.instanceId,
          address,
          datastore: guest.datastore,
          version: guest.datastoreVersion,
          ...(user ? { user } : {}),
          ...(standby ? { standbyDir: standby.dir } : {}),
        };
        await this.#writeConfig(guest, record);
        // Written last: an instance.json means the directory is complete.
        await writeFile(join(dir, 'instance.json'), `${JSON.stringify(record, null, 2)}\n`);
      } catch (error) {
        // Nothing names the standby or the user yet: they go with the half-made directory.
        if (standby) await this.#endStandby(standby);
        else if (user) await this.#dropUser(user.name);
        await rm(dir, { recursive: true, force: true });
        await this.#releaseAddresses(guest.instanceId);
        throw error;
      }
    }
    await this.#launch(guest, record, standby);
    this.o.log.info(
      { instance: guest.instanceId, address: record.address, user: record.user?.name },
      'guest agent started',
    );
    return { status: 'ACTIVE', address: record.address };
  }

  async getServer(instanceId: string): Promise<ServerInfo | undefined> {
    const record = await this.#record(instanceId);
    if (!record) return undefined;
    return {
      status: (await this.#guestPid(instanceId)) ? 'ACTIVE' : 'SHUTDOWN',
      address: record.address,
    };
  }

  /**
   * Ends every process this instance's guests started: the agent (it leaves its database
   * running), then SIGINT to what remains of its process groups and their descendants
   * (PostgreSQL's fast shutdown) and SIGKILL after a grace period. Only then are the directory,
   * the address and the instance's user removed.
   */
  deleteServer(instanceId: string): Promise<void> {
    this.#failing.delete(instanceId);
    return this.#exclusive(instanceId, () => this.#deleteServer(instanceId));
  }

  async #deleteServer(instanceId: string): Promise<void> {
    const dir = this.#dir(instanceId);
    const groups = [
      ...new Set(
        (await readFile(join(dir, 'process-groups'), 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map(Number),
      ),
    ];
    const agent = await this.#guestPid(instanceId);
    if (agent) signal([agent], 'SIGTERM');
    const killed = await endProcesses(() => processTree(groups, dir), 10_000);
    if (killed.length > 0)
      this.o.log.warn(
        { instance: instanceId, pids: killed },
        'processes of a deleted instance did not stop; they were killed',
      );
    const record = await this.#record(instanceId);
    await rm(dir, { recursive: true, force: true });
    // The agent's standard output stays the file it had as a standby.
    if (record?.standbyDir)
      await removeStandbyFiles({ dir: record.standbyDir, output: `${record.standbyDir}.out` });
    await this.#releaseAddresses(instanceId);
    if (record?.user) await this.#dropUser(record.user.name);
  }

  /** After a control-plane restart: live guests are left alone; a guest that died is started again. */
  async adopt(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]> {
    if (this.#unavailable) return [];
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
    return this.#exclusive(id, async () => {
      // Looked at under the instance's lock: a delete that came first has removed the directory.
      const record = await this.#record(id);
      if (!record || (await this.#guestPid(id))) return undefined;
      const failing = this.#failing.get(id);
      if (backOff && failing && Date.now() < failing.notBefore) return undefined;
      try {
        this.o.log.info({ instance: id }, 'the guest agent is not running; starting it again');
        await this.#launch(guest, record);
        this.#failing.delete(id);
        return undefined;
      } catch (error) {
        const failures = (failing?.failures ?? 0) + 1;
        const delay = Math.min(MAX_RESTART_DELAY_S, 2 ** (failures - 1));
        this.#failing.set(id, { failures, notBefore: Date.now() + delay * 1000 });
        this.o.log.warn(
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
    // Standbys still starting are waited for, so none is left half made with its user. Their
    // processes and channels do not hold the event loop: this timer does, meanwhile.
    const holding = setInterval(() => undefined, 1000);
    try {
      const starting = [...this.#standbys.values()].flat();
      this.#standbys.clear();
      await Promise.all(starting);
      await Promise.all([...this.#waiting.values()].map((standby) => this.#endStandby(standby)));
    } finally {
      clearInterval(holding);
    }
  }
}

async function removeStandbyFiles(standby: Pick<Standby, 'dir' | 'output'>): Promise<void> {
  await rm(standby.dir, { recursive: true, force: true });
  await rm(standby.output, { force: true });
}

/** SIGTERM, and a short wait for the exit: nothing else may keep this process alive meanwhile. */
async function endProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  // The grace timer is cleared once the child exits: left running, it would hold a stopping
  // control plane for the whole grace period after it said it had stopped.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (grace = setTimeout(r, graceMs)))]);
  clearTimeout(grace);
}

async function owned(path: string, user: OsUser | undefined): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}

/** A system user without a login or a home, with a group of its own, for one instance's guest and database. */
async function createUser(name: string): Promise<OsUser> {
  try {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch (error) {
    throw new Error(
      `the guest user '${name}' could not be created with useradd: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

async function removeUser(name: string): Promise<void> {
  // userdel also removes the user's own group; a user already gone is fine.
  await run('userdel', [name]).catch(() => undefined);
}

/**
 * Why the guests' users cannot reach these paths (every directory above them must let others
 * pass), or undefined when they can. A deployment under /root, say, is closed to every other user.
 */
async function unreachable(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const chain: string[] = [];
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) chain.unshift(dir);
    chain.unshift('/');
    for (const d of chain) {
      const s = await stat(d);
      if ((s.mode & 0o001) === 0) {
        return `guests run as users of their own, who cannot pass through ${d} (mode ${(s.mode & 0o777).toString(8)}) to reach ${path}; put [DEFAULT] state_path somewhere they can reach (for example /var/lib/cellar), or let them pass with chmod o+x ${d}`;
      }
    }
  }
  return undefined;
}
