// The instance's files and whom the server runs as. On the volume, so they move with the data:
//
//   <mount>/redis.conf      from the prepare request and the guest options: rewritten by prepare
//   <mount>/users.acl       the ACL file: root (`default`) and os_admin written by the first
//                           prepare, then kept by ACL SAVE after every user or root change
//   <mount>/admin.secret    os_admin's password, for the guest's own session (0600)
//   <mount>/data/           Redis's dir: dump.rdb, appendonlydir/
//   <mount>/cellar-stopped  left by stop_db, removed by every start: stopped, not crashed
//   <runDir>/redis.sock     the guest's socket (0700 dir, socket 0700); <runDir>/redis.pid
//   <logDir>/redis.log      the server's log

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GuestPrepareFailed,
  type CellarError,
  type GuestContext,
  type PrepareRequest,
} from '@cellar/plugin-api';
import {
  spawningAsOwner,
  writeOwned,
  type OsUser,
  type Spawning,
} from '@cellar/plugin-api/processes';
import { renderRedisConf } from './config.js';

/** The guest's own ACL user: every command, over the private socket only by convention. */
export const ADMIN_USER = 'os_admin';
/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export interface FileOptions {
  readonly redis_port: number;
  readonly maxmemory_ratio: number;
  readonly maxmemory_policy: string;
  readonly persistence: string;
}

export class InstanceFiles {
  constructor(private readonly context: GuestContext<FileOptions>) {}

  get confFile(): string {
    return join(this.context.mountPoint, 'redis.conf');
  }
  get aclFile(): string {
    return join(this.context.mountPoint, 'users.acl');
  }
  get secretFile(): string {
    return join(this.context.mountPoint, 'admin.secret');
  }
  get dataDir(): string {
    return join(this.context.mountPoint, 'data');
  }
  get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
  }
  get socket(): string {
    return join(this.context.runDir, 'redis.sock');
  }
  get pidFile(): string {
    return join(this.context.runDir, 'redis.pid');
  }
  get logFile(): string {
    return join(this.context.logDir, 'redis.log');
  }
  /** Prepared once the configuration and the ACL file are both there. */
  get prepared(): boolean {
    return existsSync(this.confFile) && existsSync(this.aclFile) && existsSync(this.secretFile);
  }
  get stopped(): boolean {
    return existsSync(this.stoppedMarker);
  }

  failed(reason: string, cause?: unknown): CellarError {
    return new GuestPrepareFailed(
      { datastore: this.context.datastore, instance: this.context.guestId, reason },
      { cause },
    );
  }

  /** Whom to run Redis as: this process's user, or when that is root, the volume's owner. */
  async spawning(): Promise<Spawning> {
    const { mountPoint, runDir } = this.context;
    return spawningAsOwner(mountPoint, runDir, () =>
      this.failed(
        `${mountPoint} belongs to root, and Cellar does not run Redis as root: give the volume to the guest's OS user.`,
      ),
    );
  }

  /** The socket is reached with os_admin's password; its directory must still be private. */
  async checkRunDir(user: OsUser | undefined): Promise<void> {
    if (Buffer.byteLength(this.socket) > MAX_SOCKET_PATH_BYTES)
      throw this.failed(
        `the socket path ${this.socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter run directory.`,
      );
    const dir = await stat(this.context.runDir);
    const uid = user?.uid ?? process.getuid?.();
    if ((dir.mode & 0o077) !== 0 || (uid !== undefined && dir.uid !== uid))
      throw this.failed(
        `the run directory ${this.context.runDir} must be private to the server's OS user (mode 0700, uid ${uid}).`,
      );
  }

  /** redis.conf for this request; the data directory; the ACL file and secret on first prepare. */
  async write(request: PrepareRequest, user: OsUser | undefined): Promise<void> {
    const o = this.context.options;
    const conf = renderRedisConf({
      address: this.context.address,
      port: o.redis_port,
      socket: this.socket,
      pidFile: this.pidFile,
      logFile: this.logFile,
      dataDir: this.dataDir,
      aclFile: this.aclFile,
      memoryMb: request.memoryMb,
      maxmemoryRatio: o.maxmemory_ratio,
      maxmemoryPolicy: o.maxmemory_policy,
      persistence: o.persistence,
    });
    await writeOwned(this.confFile, conf, user);
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(this.dataDir, user.uid, user.gid);
    if (existsSync(this.aclFile) && existsSync(this.secretFile)) return;
    const secret = randomBytes(32).toString('base64url');
    // Root (the default user) starts disabled: enabling it through the API gives it a password.
    const acl = [
      'user default off resetchannels -@all',
      `user ${ADMIN_USER} on #${sha256(secret)} ~* &* +@all`,
      '',
    ].join('\n');
    await writeOwned(this.secretFile, `${secret}\n`, undefined);
    await writeOwned(this.aclFile, acl, user);
  }

  async adminPassword(): Promise<string> {
    return (await readFile(this.secretFile, 'utf8')).trim();
  }

  async markStopped(): Promise<void> {
    await writeOwned(this.stoppedMarker, 'stopped through the guest agent\n', undefined);
  }
}

/** How the ACL file keeps a password: never the password itself. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
