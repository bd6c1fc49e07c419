// The local compute driver, the embedded default: an instance is a directory under the state
// directory, with its own loopback address, and a guest agent running there as a detached process
// of an unprivileged OS user. Guests outlive the control plane, which finds them again by PID and
// tells them by their working directory (the instance's run directory). One standby agent per
// datastore waits, loaded, to be given the next instance, so a create does not wait for Node.
//
//   <state>/instances/<id>/instance.json      what the driver knows: address, datastore, version
//                          guest_info.conf    the instance's identity and RPC key (0600, the guest's)
//                          cellar-guest.conf  how to reach the control plane; the datastore's mount_point
//                          volume/            the data volume (mount_point)
//                          log/               guest.log, the agent's output, the datastore's logs
//                          run/               sockets and pid files (0700, the guest's)
//                          guest.pid          the running agent
//                          process-groups     every process group a guest of this instance led
//   <state>/instances/.addresses/<ip>         claimed addresses, one file each (created exclusively)
//   <state>/guest/<datastore>/cellar-guest.mjs  the guest artifact, copied where the guest user can read it
//   <state>/guest/<datastore>/standby.out       what standby agents wrote before they had an instance

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { appendFile, chmod, chown, copyFile, mkdir, readdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ComputeDriverNotAvailable, GuestStartFailed } from '@cellar/plugin-api';
import { agentSocket } from '@cellar/guest';
import { artifactDir, ARTIFACT_FILE, readGuestArtifact } from '@cellar/guest/build';
import { GuestClient, type Transport } from '@cellar/rpc';
import type { ComputeDriver, InjectedGuest, ServerInfo } from './compute-driver.js';

const run = promisify(execFile);

export interface LocalOptions {
  readonly statePath: string;
  readonly appRoot: string;
  readonly transport: Transport;
  /** How guests reach the control plane, written into each cellar-guest.conf. */
  readonly rpc: { readonly transport: 'local'; readonly socketDir: string } | { readonly transport: 'amqp'; readonly amqpUrl: string };
  /** `[local]`: the address pool, the guest user, the heartbeat period, the start timeout. */
  readonly addressPool: string;
  readonly guestUser: string;
  readonly reportInterval: number;
  readonly startTimeout: number;
  /** The enabled datastores whose plugin has a guest half: each gets a standby agent. */
  readonly withGuests: readonly string[];
  readonly log: { info(f: Record<string, unknown>, m: string): void; warn(f: Record<string, unknown>, m: string): void };
}

interface InstanceRecord {
  readonly id: string;
  readonly address: string;
  readonly datastore: string;
  readonly version: string;
}

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

/** Where the control plane calls an instance's guest when the transport is local. */
export const localGuestSocket = (statePath: string, instanceId: string): string => agentSocket(join(statePath, 'instances', instanceId, 'run'));

/** The IPv4 addresses of a pool like 127.42.0.0/16, skipping .0 and .255 and the network's first. */
export function parsePool(pool: string): { first: number; last: number } {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(pool.trim());
  const octets = m ? [127, Number(m[1]), Number(m[2]), Number(m[3])] : [];
  const prefix = m ? Number(m[4]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
    throw new Error(`[local] address_pool '${pool}' is not a loopback network: expected a CIDR within 127.0.0.0/8 with a prefix of 8 to 30, e.g. 127.42.0.0/16`);
  }
  const base = (octets.reduce((n, o) => n * 256 + o, 0) >>> 0) & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
  return { first: base + 1, last: base + 2 ** (32 - prefix) - 2 };
}

const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

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
 * reused since is someone else's), and all their descendants, read from /proc. Descendants count too:
 * PostgreSQL's server processes each lead a group of their own.
 */
async function processTree(groups: readonly number[], dir: string): Promise<number[]> {
  const table = new Map<number, { ppid: number; pgrp: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') table.set(Number(entry), { ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // Gone while we looked.
    }
  }
  const roots = [...table].filter(([, p]) => groups.includes(p.pgrp)).map(([pid]) => pid);
  const ours = await Promise.all(
    roots.map(async (pid) => (await workingDir(pid))?.startsWith(`${dir}/`) === true || (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(dir)),
  );
  const found = new Set(roots.filter((_, i) => ours[i]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of table) {
      if (!found.has(pid) && found.has(p.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Where a process works (its cwd), or undefined when it is gone or not ours to see. */
async function workingDir(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/cwd`).catch(() => undefined);
}

/** True when nothing listens on the port at that address. */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What a failed guest said, for the fault a user reads: from its last error line (a start-up
 * refusal or an uncaught error), without stack frames; its last lines when it named no error.
 */
async function tail(file: string, lines = 8): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trimEnd();
  } catch {
    return 'it wrote nothing';
  }
  const all = text.split('\n');
  let from = -1;
  all.forEach((line, i) => {
    if (/^(\w*Error\b|the guest agent did not start)/.test(line)) from = i;
  });
  const picked = (from >= 0 ? all.slice(from) : all.slice(-lines)).filter((line) => !/^\s+at /.test(line) && line.trim() !== '');
  return picked.slice(0, lines).join(' | ') || 'it wrote nothing';
}

export class LocalCompute implements ComputeDriver {
  readonly name = 'local';
  readonly #instances: string;
  readonly #addresses: string;
  readonly #pool: { first: number; last: number };
  readonly #standbys = new Map<string, Promise<ChildProcess | undefined>>();
  /** Standby processes not given an instance yet: they end with the control plane. */
  readonly #waiting = new Set<ChildProcess>();
  /** Why guests cannot run here (set once, at open), or undefined when they can. */
  #unavailable?: string;
  #user?: OsUser;

  private constructor(private readonly o: LocalOptions) {
    this.#instances = join(o.statePath, 'instances');
    this.#addresses = join(this.#instances, '.addresses');
    this.#pool = parsePool(o.addressPool);
  }

  /** Prepares the state directory for guests, creating the guest user when Cellar runs as root. */
  static async open(o: LocalOptions): Promise<LocalCompute> {
    const driver = new LocalCompute(o);
    await mkdir(driver.#addresses, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) {
      try {
        driver.#user = await ensureUser(o.guestUser);
        // The guest user passes through the state directory to its instance, and may list nothing.
        await chmod(o.statePath, 0o711);
        await chmod(driver.#instances, 0o711);
        driver.#unavailable = await unreachable(driver.#user, [driver.#instances, process.execPath]);
      } catch (error) {
        driver.#unavailable = error instanceof Error ? error.message : String(error);
      }
      if (driver.#unavailable) o.log.warn({ reason: driver.#unavailable }, 'the local compute driver cannot start guests');
    }
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

  async #record(id: string): Promise<InstanceRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.#dir(id), 'instance.json'), 'utf8')) as InstanceRecord;
    } catch {
      return undefined;
    }
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
      if ((await Promise.all(ports.map((port) => portFree(address, port)))).every(Boolean)) return address;
      // Held by someone else: keep the claim file out of the way only while this loop runs.
      await rm(join(this.#addresses, address), { force: true });
    }
    throw new ComputeDriverNotAvailable({ driver: 'local', reason: `every address of [local] address_pool ${this.o.addressPool} is in use` });
  }

  async #owned(path: string): Promise<void> {
    if (this.#user) await chown(path, this.#user.uid, this.#user.gid);
  }

  /** The program a guest runs: the datastore's artifact when built, else the unbundled agent. */
  async #program(datastore: string): Promise<{ args: string[]; cwd: string }> {
    const artifact = await readGuestArtifact(this.o.appRoot, datastore);
    if (!artifact) return { args: [join(this.o.appRoot, 'node_modules', '@cellar', 'guest', 'bin', 'cellar-guest.js')], cwd: this.o.appRoot };
    // A copy under the state directory, which the guest user can reach wherever the deployment is.
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
    const rpc = this.o.rpc.transport === 'local' ? [`transport = local`, `socket_dir = ${this.o.rpc.socketDir}`] : [`transport = amqp`, `amqp_url = ${this.o.rpc.amqpUrl}`];
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
    for (const [name, lines] of [['guest_info.conf', info], ['cellar-guest.conf', conf]] as const) {
      await writeFile(join(dir, name), lines.join('\n'), { mode: 0o600 });
      await this.#owned(join(dir, name));
    }
  }

  /**
   * A new agent process, detached, as the guest user: a standby (loaded, waiting on its IPC channel
   * for an instance) or one started for an instance with its arguments.
   */
  async #spawnAgent(datastore: string, argv: readonly string[], output: string): Promise<ChildProcess> {
    const { args, cwd } = await this.#program(datastore);
    const fd = openSync(output, 'a', 0o640);
    try {
      return spawn(process.execPath, [...args, ...argv], {
        detached: true,
        stdio: ['ignore', fd, fd, ...(argv[0] === '--standby' ? (['ipc'] as const) : [])],
        cwd,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/' },
        ...(this.#user ? { uid: this.#user.uid, gid: this.#user.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps one standby agent per datastore, so a create does not wait for Node to start. */
  #standBy(datastore: string): void {
    if (this.#unavailable || this.#standbys.has(datastore) || !this.o.withGuests.includes(datastore)) return;
    const output = join(this.o.statePath, 'guest', datastore, 'standby.out');
    const standby = (async (): Promise<ChildProcess | undefined> => {
      await mkdir(dirname(output), { recursive: true, mode: 0o755 });
      const child = await this.#spawnAgent(datastore, ['--standby'], output);
      child.unref();
      child.channel?.unref();
      this.#waiting.add(child);
      child.once('exit', () => this.#waiting.delete(child));
      return new Promise((resolve) => {
        child.once('message', () => resolve(child));
        child.once('exit', () => resolve(undefined));
        child.once('error', () => resolve(undefined));
      });
    })().catch(() => undefined);
    this.#standbys.set(datastore, standby);
  }

  /** Starts the instance's agent (a standby given the instance, or a new process) and waits until it answers a ping. */
  async #launch(guest: InjectedGuest): Promise<void> {
    const dir = this.#dir(guest.instanceId);
    const output = join(dir, 'log', 'guest.out');
    const argv = ['--config-file', join(dir, 'guest_info.conf'), '--config-file', join(dir, 'cellar-guest.conf')];
    // Taken before waiting, so two launches at once never share one standby.
    const taken = this.#standbys.get(guest.datastore);
    this.#standbys.delete(guest.datastore);
    const standby = await taken;
    let child: ChildProcess;
    if (standby?.connected) {
      this.#waiting.delete(standby);
      child = standby;
      child.send({ argv, output });
      child.disconnect();
    } else {
      child = await this.#spawnAgent(guest.datastore, argv, output);
      child.unref();
    }
    this.#standBy(guest.datastore);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = signal ? `it was ended by ${signal}` : `it exited with status ${code ?? '?'}`));
    child.once('error', (error) => (exited = error.message));
    const pid = child.pid;
    if (pid === undefined) throw new GuestStartFailed({ instance: guest.instanceId, reason: `${process.execPath} could not be started: ${exited ?? 'no process'}` });
    await writeFile(join(dir, 'guest.pid'), `${pid}\n`);
    await appendFile(join(dir, 'process-groups'), `${pid}\n`);

    const client = new GuestClient(this.o.transport, guest.instanceId, guest.instanceKey, { low: 2, high: 2 });
    const deadline = Date.now() + this.o.startTimeout * 1000;
    for (;;) {
      if (exited !== undefined) throw new GuestStartFailed({ instance: guest.instanceId, reason: `${exited}: ${await tail(output)}` });
      try {
        if (await client.ping({ requestId: 'start' }, 2)) return;
      } catch {
        // Not serving yet.
      }
      if (Date.now() > deadline) {
        throw new GuestStartFailed({ instance: guest.instanceId, reason: `it did not answer within ${this.o.startTimeout} s ([local] guest_start_timeout); its output: ${await tail(output)}` });
      }
      await sleep(10);
    }
  }

  async #guestPid(id: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.#dir(id), 'guest.pid'), 'utf8')).trim());
      // A PID may have been reused since: ours works in this instance's run directory.
      return Number.isInteger(pid) && alive(pid) && (await workingDir(pid)) === join(this.#dir(id), 'run') ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async createServer(guest: InjectedGuest): Promise<ServerInfo> {
    if (this.#unavailable) throw new ComputeDriverNotAvailable({ driver: 'local', reason: this.#unavailable });
    if (!this.o.withGuests.includes(guest.datastore)) {
      throw new ComputeDriverNotAvailable({ driver: 'local', reason: `the ${guest.datastore} datastore plugin has no guest half (cellar.datastore.guest), so it cannot run real instances yet` });
    }
    const dir = this.#dir(guest.instanceId);
    let record = await this.#record(guest.instanceId);
    if (record && (await this.#guestPid(guest.instanceId))) return { status: 'ACTIVE', address: record.address };
    if (!record) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o711 });
      for (const [sub, mode] of [['volume', 0o700], ['log', 0o750], ['run', 0o700]] as const) {
        await mkdir(join(dir, sub), { mode });
        await this.#owned(join(dir, sub));
      }
      record = { id: guest.instanceId, address: await this.#claimAddress(guest.instanceId, guest.tcpPorts), datastore: guest.datastore, version: guest.datastoreVersion };
      await this.#writeConfig(guest, record);
      // Written last: an instance.json means the directory is complete.
      await writeFile(join(dir, 'instance.json'), `${JSON.stringify(record, null, 2)}\n`);
    }
    await this.#launch(guest);
    this.o.log.info({ instance: guest.instanceId, address: record.address }, 'guest agent started');
    return { status: 'ACTIVE', address: record.address };
  }

  async getServer(instanceId: string): Promise<ServerInfo | undefined> {
    const record = await this.#record(instanceId);
    if (!record) return undefined;
    return { status: (await this.#guestPid(instanceId)) ? 'ACTIVE' : 'SHUTDOWN', address: record.address };
  }

  /**
   * Ends every process this instance's guests started, by process group: the agent first (it leaves
   * its database running), then SIGINT to what remains (PostgreSQL's fast shutdown), and SIGKILL
   * after a grace period. Only then are the directory and the address released.
   */
  async deleteServer(instanceId: string): Promise<void> {
    const dir = this.#dir(instanceId);
    const groups = [...new Set((await readFile(join(dir, 'process-groups'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number))];
    const agent = await this.#guestPid(instanceId);
    if (agent) process.kill(agent, 'SIGTERM');
    const signal = (pids: readonly number[], name: NodeJS.Signals): void => {
      for (const pid of pids) {
        try {
          process.kill(pid, name);
        } catch {
          // Already gone.
        }
      }
    };
    const until = async (deadline: number): Promise<number[]> => {
      let left = await processTree(groups, dir);
      while (left.length > 0 && Date.now() < deadline) {
        await sleep(25);
        left = await processTree(groups, dir);
      }
      return left;
    };
    // The database's main process shuts down what it started (SIGINT: PostgreSQL's fast shutdown).
    signal(await processTree(groups, dir), 'SIGINT');
    const left = await until(Date.now() + 10_000);
    if (left.length > 0) {
      this.o.log.warn({ instance: instanceId, pids: left }, 'processes of a deleted instance did not stop; killing them');
      signal(left, 'SIGKILL');
      await until(Date.now() + 5_000);
    }
    const record = await this.#record(instanceId);
    await rm(dir, { recursive: true, force: true });
    if (record) await rm(join(this.#addresses, record.address), { force: true });
  }

  /** After a control-plane restart: live guests are left alone; a guest that died is started again. */
  async adopt(guests: readonly InjectedGuest[]): Promise<void> {
    if (this.#unavailable) return;
    await Promise.all(
      guests.map(async (guest) => {
        if (!(await this.#record(guest.instanceId)) || (await this.#guestPid(guest.instanceId))) return;
        try {
          this.o.log.info({ instance: guest.instanceId }, 'the guest agent is not running; starting it again');
          await this.#launch(guest);
        } catch (error) {
          this.o.log.warn({ instance: guest.instanceId, err: error }, 'the guest agent did not start again');
        }
      }),
    );
  }

  /** Guests outlive the control plane; standby agents, which serve no instance yet, end with it. */
  async close(): Promise<void> {
    // Not waiting for them to be ready: nothing else may keep this process alive meanwhile.
    this.#standbys.clear();
    for (const child of this.#waiting) child.kill('SIGTERM');
    this.#waiting.clear();
  }
}

/** The guest user, created as a system user without a login when it does not exist. */
async function ensureUser(name: string): Promise<OsUser> {
  const lookup = async (): Promise<OsUser | undefined> => {
    try {
      const [uid, gid, groups] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name]), run('id', ['-G', name])]);
      return { name, uid: Number(uid.stdout), gid: Number(gid.stdout), groups: groups.stdout.trim().split(/\s+/).map(Number) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) {
    if (found.uid === 0) throw new Error(`[local] guest_user '${name}' is root; guests and their databases never run as root`);
    return found;
  }
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  } catch (error) {
    throw new Error(`the guest user '${name}' does not exist and could not be created with useradd: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const created = await lookup();
  if (!created) throw new Error(`useradd created '${name}', but id cannot find it`);
  return created;
}

/**
 * Why the guest user cannot reach these paths (every directory above them must let it pass), or
 * undefined when it can. A deployment under /root, say, is closed to every other user.
 */
async function unreachable(user: OsUser, paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    let dir = dirname(path);
    const chain: string[] = [];
    for (; dir !== dirname(dir); dir = dirname(dir)) chain.unshift(dir);
    chain.unshift('/');
    for (const d of chain) {
      const s = await stat(d);
      const bit = s.uid === user.uid ? 0o100 : user.groups.includes(s.gid) ? 0o010 : 0o001;
      if ((s.mode & bit) === 0) {
        return `guests run as user '${user.name}', which cannot pass through ${d} (mode ${(s.mode & 0o777).toString(8)}) to reach ${path}; put [DEFAULT] state_path somewhere it can reach (for example /var/lib/cellar), or let it pass with chmod o+x ${d}`;
      }
    }
  }
  return undefined;
}
