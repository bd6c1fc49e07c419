// What every live test of a datastore's guest half sets up the same way: scratch directories for
// one instance, owned by an unprivileged OS user when the tests run as root, on a 127.77.x.y address.

import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GuestLogger } from '../manager/base-datastore-manager.js';
import type { OsUser } from '../processes/run-as.js';
import type { LiveHarness } from './conformance.js';

/** A guest log that says nothing: live tests assert on what the server does, not on the log. */
export const quietLog: GuestLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The defaults of a guest option group, as a deployment that sets none gets them. */
export function optionDefaults<O>(group: {
  readonly options: Readonly<Record<string, { readonly default?: unknown }>>;
}): O {
  return Object.fromEntries(
    Object.entries(group.options).map(([key, option]) => [key, option.default]),
  ) as O;
}

/**
 * A random address of 127.77.0.0/16: away from 127.0.0.1 and from the local compute driver's
 * pool, where other instances listen on the datastores' usual ports.
 */
export function randomLoopbackAddress(): string {
  return `127.77.${randomInt(1, 255)}.${randomInt(1, 255)}`;
}

/** An address (a random 127.77.x.y unless given) and a port nobody listens on there right now. */
export function freeAddress(
  address: string = randomLoopbackAddress(),
): Promise<{ address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, address, () => {
      const bound = server.address();
      server.close(() =>
        typeof bound === 'object' && bound
          ? resolve({ address, port: bound.port })
          : reject(new Error('no port')),
      );
    });
    server.on('error', reject);
  });
}

export interface ScratchOptions<More extends string = never> {
  /** The directory's prefix under /tmp: short, for a socket path must fit in 107 bytes. */
  readonly prefix: string;
  /** The unprivileged OS users to run the server as when the tests run as root, first found wins. */
  readonly users: readonly string[];
  /** A system user to add (with useradd) when none of `users` exists; without it, that fails. */
  readonly addUser?: string;
  /** Directories beside vol, run and log, e.g. a standby agent's. */
  readonly more?: readonly More[];
}

export interface ScratchInstance<More extends string = never> {
  readonly base: string;
  readonly mountPoint: string;
  readonly runDir: string;
  readonly logDir: string;
  /** The directories of `more`, by name. */
  readonly dirs: Readonly<Record<More, string>>;
  /** The OS user the server runs as (this process's when not root). */
  readonly uid: number;
  /** Removes every directory; stop the server first. */
  remove(): Promise<void>;
}

function osUser(name: string): OsUser | undefined {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, name], { stdio: 'pipe' }).toString());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** The unprivileged OS user to run a server as when the tests run as root. */
export function unprivilegedUser(options: {
  readonly users: readonly string[];
  readonly addUser?: string;
}): OsUser {
  for (const name of options.users) {
    const found = osUser(name);
    if (found) return found;
  }
  const add = options.addUser;
  if (add === undefined)
    throw new Error(`no unprivileged user (${options.users.join(' or ')}) to run the server as`);
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', add]);
  return osUser(add) ?? { uid: -1, gid: -1 };
}

/** Fresh directories for one instance (mode 0700), given to the unprivileged user when root. */
export async function scratchInstance<More extends string = never>(
  options: ScratchOptions<More>,
): Promise<ScratchInstance<More>> {
  const base = await mkdtemp(`/tmp/${options.prefix}`);
  const more = options.more ?? [];
  const dirs = Object.fromEntries(more.map((name) => [name, join(base, name)])) as Record<
    More,
    string
  >;
  const made = [
    ...['vol', 'run', 'log'].map((name) => join(base, name)),
    ...more.map((m) => dirs[m]),
  ];
  for (const dir of made) await mkdir(dir, { mode: 0o700 });
  let uid = process.getuid?.() ?? -1;
  if (uid === 0) {
    const user = unprivilegedUser(options);
    uid = user.uid;
    for (const dir of [base, ...made]) await chown(dir, user.uid, user.gid);
  }
  return {
    base,
    mountPoint: join(base, 'vol'),
    runDir: join(base, 'run'),
    logDir: join(base, 'log'),
    dirs,
    uid,
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** The conformance kit's harness over live instances: each manager prepared on a server of its own. */
export function harnessOfInstances(
  liveInstance: () => Promise<{
    readonly manager: Awaited<ReturnType<LiveHarness['createManager']>>;
    dispose(): Promise<void>;
  }>,
): LiveHarness {
  const instances: { dispose(): Promise<void> }[] = [];
  return {
    createManager: async () => {
      const instance = await liveInstance();
      instances.push(instance);
      await instance.manager.prepare({ memoryMb: 512, databases: [], users: [] });
      return instance.manager;
    },
    dispose: async () => {
      await Promise.all(instances.splice(0).map((i) => i.dispose()));
    },
  };
}
