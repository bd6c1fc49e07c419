// The standby agents: per datastore, `[local] standby_agents` loaded agents wait, each as the OS
// user of a future instance and with its work ahead (initdb) done, so a create does not wait for
// Node to start. A standby is held by its IPC channel: it ends, and removes its work, when the
// control plane that holds the other end goes away, even killed with SIGKILL.

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree, signal } from '@cellar/plugin-api/processes';
import { endProcess, spawnAgent } from './agent-process.js';
import { guestProgram } from './guest-program.js';
import type { InstanceRecord } from './instance-records.js';
import { owned, type GuestUsers, type OsUser } from './os-users.js';

/** A loaded agent waiting on its IPC channel for an instance: the user it runs as, and its work directory. */
export interface Standby {
  readonly child: ChildProcess;
  readonly user: OsUser | undefined;
  readonly dir: string;
  readonly output: string;
}

/** Standby work directories and outputs are named this and a tag (the standby's user when there is one). */
const STANDBY_PREFIX = 'standby-';
/** How long a stopping standby may take to finish its work ahead before it is killed. */
const STANDBY_STOP_GRACE_MS = 30_000;
/** How long the killed processes of a stopped standby may take to go before its user is removed. */
const STANDBY_KILL_WAIT_MS = 5_000;

export interface StandbySettings {
  readonly home: string;
  readonly appRoot: string;
  readonly perDatastore: number;
  readonly defaultVersions?: Readonly<Record<string, string>> | undefined;
  readonly log: { warn(f: Record<string, unknown>, m: string): void };
}

/**
 * SIGKILLs what `find` finds until it finds nothing, for up to STANDBY_KILL_WAIT_MS: userdel
 * refuses a user a process still runs as (a user left then is removed at the next start).
 */
async function killAll(find: () => Promise<number[]>): Promise<void> {
  const deadline = Date.now() + STANDBY_KILL_WAIT_MS;
  for (let left = await find(); left.length > 0 && Date.now() < deadline; left = await find()) {
    signal(left, 'SIGKILL');
    await sleep(25);
  }
}

export async function removeStandbyFiles(standby: Pick<Standby, 'dir' | 'output'>): Promise<void> {
  await rm(standby.dir, { recursive: true, force: true });
  await rm(standby.output, { force: true });
}

export class StandbyPool {
  /** Per datastore, the standby agents starting or waiting, oldest first. */
  readonly #starting = new Map<string, Promise<Standby | undefined>[]>();
  /** Standby processes not given an instance yet: they end with the control plane. */
  readonly #waiting = new Map<ChildProcess, Standby>();

  constructor(
    private readonly settings: StandbySettings,
    private readonly users: GuestUsers,
  ) {}

  /** Where a datastore's standbys work: sticky and writable by all, so a standby can remove its own. */
  #dir(datastore: string): string {
    return join(this.settings.home, 'guest', datastore, 'standbys');
  }

  /** Tops the datastore's pool up to its size. */
  fill(datastore: string): void {
    const pool = this.#starting.get(datastore) ?? [];
    this.#starting.set(datastore, pool);
    while (pool.length < this.settings.perDatastore) pool.push(this.#start(datastore));
  }

  #start(datastore: string): Promise<Standby | undefined> {
    return (async (): Promise<Standby | undefined> => {
      const user = await this.users.create();
      const parent = this.#dir(datastore);
      const dir = join(parent, `${STANDBY_PREFIX}${user?.name ?? randomBytes(4).toString('hex')}`);
      const output = `${dir}.out`;
      await mkdir(parent, { recursive: true, mode: 0o755 });
      await chmod(parent, 0o1733);
      await mkdir(dir, { mode: 0o700 });
      await owned(dir, user);
      const version = this.settings.defaultVersions?.[datastore];
      const argv = [
        ...['--standby', '--datastore', datastore, '--work-dir', dir, '--output', output],
        ...(version === undefined ? [] : ['--datastore-version', version]),
        ...(user ? ['--own-user'] : []),
      ];
      const program = await guestProgram(this.settings.appRoot, this.settings.home, datastore);
      const child = spawnAgent(program, argv, output, user);
      child.unref();
      child.channel?.unref();
      const made: Standby = { child, user, dir, output };
      this.#waiting.set(child, made);
      child.once('exit', () => {
        // Given no instance: nothing of it is kept (close() ends and cleans the others itself).
        if (!this.#waiting.delete(child)) return;
        void removeStandbyFiles(made).then(() => (user ? this.users.drop(user.name) : undefined));
      });
      return new Promise((resolve) => {
        child.once('message', () => resolve(made));
        child.once('exit', () => resolve(undefined));
        child.once('error', () => resolve(undefined));
      });
    })().catch((error: unknown) => {
      this.settings.log.warn({ datastore, err: error }, 'a standby guest agent did not start');
      return undefined;
    });
  }

  /** The oldest live standby of this datastore, each taken before waiting so two creates never share one. */
  async take(datastore: string): Promise<Standby | undefined> {
    const pool = this.#starting.get(datastore) ?? [];
    for (let taken = pool.shift(); taken !== undefined; taken = pool.shift()) {
      const standby = await taken;
      if (!standby?.child.connected) continue;
      this.#waiting.delete(standby.child);
      return standby;
    }
    return undefined;
  }

  /**
   * A standby given no instance: its process group (its work ahead with it), its files and its
   * user. It is given time to finish its work ahead: an initdb killed half way leaves its
   * bootstrap server's shared memory segments in /dev/shm.
   */
  async end(standby: Standby): Promise<void> {
    this.#waiting.delete(standby.child);
    await endProcess(standby.child, STANDBY_STOP_GRACE_MS);
    const pid = standby.child.pid;
    if (pid !== undefined) await killAll(() => processTree([pid], standby.dir));
    await removeStandbyFiles(standby);
    if (standby.user) await this.users.drop(standby.user.name);
  }

  /** Standby work and outputs that no instance names: standbys of a control plane that died. */
  async removeLeftovers(records: readonly InstanceRecord[]): Promise<void> {
    const kept = new Set(records.map((r) => r.standbyDir));
    const guestDir = join(this.settings.home, 'guest');
    for (const datastore of await readdir(guestDir).catch(() => [])) {
      for (const parent of [join(guestDir, datastore), this.#dir(datastore)]) {
        for (const name of await readdir(parent).catch(() => [])) {
          const path = join(parent, name);
          if (name.startsWith(STANDBY_PREFIX) && !kept.has(path.replace(/\.out$/, '')))
            await rm(path, { recursive: true, force: true });
        }
      }
    }
  }

  /** Ends every standby: those still starting are waited for, so none is left half made with its user. */
  async close(): Promise<void> {
    const starting = [...this.#starting.values()].flat();
    this.#starting.clear();
    await Promise.all(starting);
    await Promise.all([...this.#waiting.values()].map((standby) => this.end(standby)));
  }
}
