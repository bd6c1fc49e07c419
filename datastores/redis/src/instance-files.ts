// The instance's files and whom the server runs as. On the volume, so they move with the data:
//
//   <mount>/redis.conf      from the recorded settings and the guest options: rewritten by
//                           prepare and before every start, so no change to it outlives a start
//   <mount>/settings.json   what prepare was asked for (the flavor's RAM), for every later start
//   <mount>/users.acl       the ACL file: root (`default`) and os_admin written by the first
//                           prepare, then kept by ACL SAVE after every user or root change;
//                           os_admin's and root's lines are put back before every start
//   <mount>/admin.secret    os_admin's password, for the guest's own session (0600)
//   <mount>/backup.secret   os_backup's password, for redis-cli --rdb (0600; made when missing)
//   <mount>/data/           Redis's dir: dump.rdb, appendonlydir/
//   <mount>/cellar-stopped  left by stop_db, removed by every start: stopped, not crashed
//   <mount>/cellar-restored left by a restore until a start has loaded its dump.rdb (and put it
//                           into the AOF): a start then runs without AOF first, or Redis would
//                           ignore the RDB
//   <runDir>/redis.sock     the guest's socket (0700 dir, socket 0700); <runDir>/redis.pid
//   <logDir>/redis.log      the server's log

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  GuestError,
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
import { assertedAclFile } from './acl-file.js';
import { renderRedisConf, type Persistence } from './config.js';
import { storedConfLines } from './overrides.js';

/** What prepare records for the starts after it. */
const Settings = Type.Object({ memoryMb: Type.Integer({ minimum: 1 }) });
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
  get settingsFile(): string {
    return join(this.context.mountPoint, 'settings.json');
  }
  get secretFile(): string {
    return join(this.context.mountPoint, 'admin.secret');
  }
  get backupSecretFile(): string {
    return join(this.context.mountPoint, 'backup.secret');
  }
  get dataDir(): string {
    return join(this.context.mountPoint, 'data');
  }
  get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
  }
  get restoredMarker(): string {
    return join(this.context.mountPoint, 'cellar-restored');
  }
  get dumpFile(): string {
    return join(this.dataDir, 'dump.rdb');
  }
  get aofDir(): string {
    return join(this.dataDir, 'appendonlydir');
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
  /** A restored dump.rdb waits to be loaded: see restoredMarker. */
  get restored(): boolean {
    return existsSync(this.restoredMarker);
  }
  get persistence(): Persistence {
    const p = this.context.options.persistence;
    return p === 'aof' || p === 'none' ? p : 'rdb';
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

  /**
   * Records the request's settings, writes redis.conf from them, makes the data directory; on the
   * first prepare, also the ACL file and os_admin's secret.
   */
  async write(request: PrepareRequest, user: OsUser | undefined): Promise<void> {
    await writeOwned(
      this.settingsFile,
      `${JSON.stringify({ memoryMb: request.memoryMb })}\n`,
      undefined,
    );
    await this.#writeConf(request.memoryMb, user);
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(this.dataDir, user.uid, user.gid);
    if (existsSync(this.aclFile) && existsSync(this.secretFile)) return;
    const secret = randomBytes(32).toString('base64url');
    // Root (the default user) starts disabled: enabling it through the API gives it a password.
    await writeOwned(this.secretFile, `${secret}\n`, undefined);
    const backup = await this.backupPassword();
    await writeOwned(
      this.aclFile,
      assertedAclFile('', { admin: sha256(secret), backup: sha256(backup) }),
      user,
    );
  }

  /**
   * Before every start: redis.conf from what prepare recorded, os_admin and root's lines put back
   * in users.acl. Whatever was left in them (by hand, or by root before it lost CONFIG REWRITE
   * and ACL SAVE) does not reach the server.
   */
  async renew(user: OsUser | undefined, persistence = this.persistence): Promise<void> {
    const text = await readFile(this.settingsFile, 'utf8').catch(() => undefined);
    const settings = text === undefined ? undefined : parsedSettings(text);
    if (settings === undefined)
      throw new GuestError({
        reason: `${this.settingsFile} is missing or unreadable: prepare the instance again to record its settings.`,
      });
    await this.#writeConf(settings.memoryMb, user, persistence);
    const acl = await readFile(this.aclFile, 'utf8');
    const hashes = {
      admin: sha256(await this.adminPassword()),
      backup: sha256(await this.backupPassword()),
    };
    await writeOwned(this.aclFile, assertedAclFile(acl, hashes), user);
  }

  async #writeConf(
    memoryMb: number,
    user: OsUser | undefined,
    persistence: Persistence = this.persistence,
  ): Promise<void> {
    const o = this.context.options;
    const conf = renderRedisConf({
      address: this.context.address,
      port: o.redis_port,
      socket: this.socket,
      pidFile: this.pidFile,
      logFile: this.logFile,
      dataDir: this.dataDir,
      aclFile: this.aclFile,
      memoryMb,
      maxmemoryRatio: o.maxmemory_ratio,
      maxmemoryPolicy: o.maxmemory_policy,
      persistence,
    });
    // The configuration group's values last, so they win over Cellar's own.
    const overrides = await storedConfLines(this.context.mountPoint);
    await writeOwned(this.confFile, conf + overrides, user);
  }

  async adminPassword(): Promise<string> {
    return (await readFile(this.secretFile, 'utf8')).trim();
  }

  /** os_backup's password, made on first use: instances prepared before backups had none. */
  async backupPassword(): Promise<string> {
    const kept = await readFile(this.backupSecretFile, 'utf8').catch(() => undefined);
    if (kept !== undefined && kept.trim() !== '') return kept.trim();
    const secret = randomBytes(32).toString('base64url');
    await writeOwned(this.backupSecretFile, `${secret}\n`, undefined);
    return secret;
  }

  /** Empty: an inode and no data block, so a server on a full volume can still be stopped. */
  async markStopped(): Promise<void> {
    await writeOwned(this.stoppedMarker, '', undefined);
  }
}

/** How the ACL file keeps a password: never the password itself. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function parsedSettings(text: string): Static<typeof Settings> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(Settings, value) ? value : undefined;
  } catch {
    return undefined;
  }
}
