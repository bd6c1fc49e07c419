// What every datastore's entry in bench/provision is written against: how a bare server is run
// (as the bench's own unprivileged OS user when root, as the local driver runs an instance's),
// polling for a first query, and stopping what was started by its PID.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSystemUser, type SystemUser } from '@cellar/plugin-api/processes';

export const run = promisify(execFile);
export const PASSWORD = 'Bench-Secret-1';

/** An instance's (or a bare server's) OS user: its name and ids. */
export type OsUser = SystemUser;

/** How a bare server and its tools are run: from `/`, a clean environment, as `user` if given. */
export interface RunAs {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

export function runAs(user: OsUser | undefined, env: NodeJS.ProcessEnv = {}): RunAs {
  return {
    cwd: '/',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  };
}

/** The OS user name the bare server runs as: the bench's own when root, else this process's. */
export const serverUserName = (user: OsUser | undefined): string =>
  user?.name ?? userInfo().username;

/** What a bare start is given: its own directory (owned by the server's user) and port. */
export interface BareContext {
  readonly dir: string;
  readonly port: number;
  readonly user: OsUser | undefined;
  /** The user the create asks for, made the guest's way, whose first query is timed. */
  readonly login: string;
  readonly password: string;
}

/** A bare server, started and with its user made. */
export interface BareServer {
  stop(): Promise<void>;
}

/** The target a datastore's create is held to, against its bare start. */
export type Target = { readonly kind: 'half' } | { readonly kind: 'within'; readonly ms: number };

/** One datastore: its bare start the guest's way and its first query as the created user. */
export interface ProvisionEntry {
  /** Cellar's name for it. */
  readonly datastore: string;
  readonly title: string;
  /** What a bare start runs, each with the Debian package that provides it. */
  readonly binaries: () => readonly { readonly path: string; readonly debianPackage: string }[];
  /** The port a client uses at an instance's address. */
  readonly port: number;
  readonly target: Target;
  /** The create's databases and users: what the bare start makes too. */
  readonly request: (login: string, password: string) => Record<string, unknown>;
  readonly bare: (context: BareContext) => Promise<BareServer>;
  /** Resolves at the first query that succeeds as the user, polling every few ms until then. */
  readonly firstQuery: (
    host: string,
    port: number,
    login: string,
    password: string,
  ) => Promise<void>;
}

/** Why a datastore's bare start cannot run here, or undefined. */
export function missingBinaries(entry: ProvisionEntry): string | undefined {
  const missing = entry.binaries().filter((b) => !existsSync(b.path));
  if (missing.length === 0) return undefined;
  return `${missing.map((b) => b.path).join(', ')} missing (Debian ${[...new Set(missing.map((b) => b.debianPackage))].join(', ')})`;
}

/**
 * As root, a system user of the bench's own for the bare servers, made as the local compute
 * driver makes each instance's (PostgreSQL and MariaDB refuse root); this process's user otherwise.
 */
export async function bareUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  return createSystemUser(`cellar-bench-${randomBytes(4).toString('hex')}`);
}

/** Calls `attempt` every few ms until it resolves true; fails if `server` exits, or after 2 min. */
export async function poll(
  what: string,
  attempt: () => Promise<boolean>,
  server?: ChildProcess,
  everyMs = 5,
): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (await attempt().catch(() => false)) return;
    if (server && (server.exitCode !== null || server.signalCode !== null))
      throw new Error(`${what}: the server exited (${server.exitCode ?? server.signalCode})`);
    if (performance.now() > deadline) throw new Error(`${what}: not within 2 minutes`);
    await sleep(everyMs);
  }
}

/** Starts a server in the foreground; `stop` signals that PID and waits for it to exit. */
export function startServer(
  file: string,
  args: readonly string[],
  as: RunAs,
  signal: NodeJS.Signals = 'SIGTERM',
): BareServer & { readonly child: ChildProcess } {
  const child = spawn(file, args, { ...as, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
