// Running a datastore's server as the OS user that owns the instance's volume: the identity to run
// as, spawn options with a clean environment, files that user must read, and its private run dir.

import { chown, rename, stat, writeFile } from 'node:fs/promises';
import { childEnvironment, CHILD_PATH } from './child-environment.js';

/** The OS identity to run a server as. */
export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

/** How to run a server: as `user` (undefined: this process's own user), with HOME at `home`. */
export interface Spawning {
  readonly user?: OsUser;
  /** HOME for the server: somewhere its OS user owns, so no ~/.rc file of another user is read. */
  readonly home: string;
}

/** spawn's options for a Spawning: cwd /, the child environment with `path` as PATH, the user. */
export function spawnOptions(
  s: Spawning,
  path: string = CHILD_PATH,
): { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
  // cwd / avoids "could not change directory" when this process's cwd is not the server user's.
  return { cwd: '/', env: childEnvironment({ home: s.home, extra: { PATH: path } }), ...s.user };
}

/**
 * Whom to run a server as: this process's user, or when that is root, the owner of `dir` (the
 * volume, or a standby's directory). A dir that root owns is refused with `refuse`'s error.
 */
export async function spawningAsOwner(
  dir: string,
  home: string,
  refuse: () => Error,
): Promise<Spawning> {
  if (process.getuid?.() !== 0) return { home };
  const owner = await stat(dir);
  if (owner.uid === 0) throw refuse();
  return { home, user: { uid: owner.uid, gid: owner.gid } };
}

/** Replaces a file whole (write and rename), 0600 and owned by `user` when given, so it can read it. */
export async function writeOwned(
  path: string,
  content: string,
  user: OsUser | undefined,
): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  if (user !== undefined) await chown(temporary, user.uid, user.gid);
  await rename(temporary, path);
}

/** sun_path holds 108 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Why a run directory cannot guard the server's admin socket, in the operator's words: the
 * socket's path does not fit sun_path, others may enter it, or another user owns it. Undefined
 * when it can.
 */
export async function runDirProblem(
  runDir: string,
  socket: string,
  user: OsUser | undefined,
): Promise<string | undefined> {
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES)
    return `the socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter run directory.`;
  const dir = await stat(runDir);
  if ((dir.mode & 0o077) !== 0)
    return `the run directory ${runDir} must be private to the guest's OS user (mode 0700).`;
  const uid = user?.uid ?? process.getuid?.();
  if (uid !== undefined && dir.uid !== uid)
    return `the run directory ${runDir} must belong to the server's OS user (uid ${uid}).`;
  return undefined;
}
