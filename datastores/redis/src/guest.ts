// The Redis guest manager: writes redis.conf and the ACL file on the volume, runs redis-server as
// the guest's OS user, and manages root and ACL users through its admin socket. No databases.

import {
  generatedPassword,
  BaseDatastoreManager,
  defineDatastoreGuest,
  GuestError,
  InstanceNotReady,
  isCellarError,
  type GroupValues,
  type ListParams,
  type Page,
  type BackupInfo,
  type DatastoreLogFile,
  type GuestMetrics,
  type PrepareRequest,
  type ServiceStatus,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import { writeOwned } from '@cellar/plugin-api/processes';
import { AdminSession, message } from './admin-session.js';
import { ADMIN_USER } from './acl-file.js';
import { InstanceFiles } from './instance-files.js';
import { InstanceRdb } from './instance-rdb.js';
import { redisLogs } from './logs.js';
import { redisMetrics } from './metrics.js';
import type options from './options.js';
import { RedisOverrides, type Overrides } from './overrides.js';
import { startWithMemory } from './resize.js';
import { disableRoot, enableRootWithPassword, isRootEnabled } from './root.js';
import { ServerProcess } from './server-process.js';
import {
  AclUsers,
  changePasswords,
  createUsers,
  deleteUser,
  getUser,
  listUsers,
  updateAttributes,
} from './users.js';

export type RedisOptions = GroupValues<typeof options.guest>;

/**
 * No standby hook: Redis has nothing to initialise ahead (no data directory to make) and is
 * ready some 30 ms after it starts, so work ahead would save nothing.
 */
export class RedisManager extends BaseDatastoreManager<RedisOptions> {
  readonly #files = new InstanceFiles(this.context);
  readonly #admin = new AdminSession({
    socket: this.#files.socket,
    user: ADMIN_USER,
    password: () => this.#files.adminPassword(),
    notReady: async (cause) =>
      new InstanceNotReady(
        { id: this.context.guestId, status: await this.getServiceStatus() },
        { cause },
      ),
  });
  readonly #users = new AclUsers(this.#admin);
  readonly #server = new ServerProcess(this.#files, this.#admin, this.context.logDir);
  /** For this package's backup and restore strategies (redis_rdb). */
  readonly rdb = new InstanceRdb(this.#files, this.#admin, this.#server);
  readonly #overrides = new RedisOverrides({
    context: this.context,
    admin: this.#admin,
    confFile: this.#files.confFile,
    user: async () => (await this.#files.spawning()).user,
  });
  #preparing = false;

  // lifecycle

  override async prepare(request: PrepareRequest): Promise<void> {
    this.#preparing = true;
    try {
      await this.#prepare(request);
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw new GuestError({ reason: `prepare failed: ${message(error)}` }, { cause: error });
    } finally {
      this.#preparing = false;
    }
  }

  async #prepare(request: PrepareRequest): Promise<void> {
    const files = this.#files;
    if (request.databases.length > 0)
      throw files.failed('Redis has no databases; create the instance without any.');
    const spawning = await files.spawning();
    await files.checkRunDir(spawning.user);
    // The group given at create, or none, in redis.conf from the first start.
    await this.#overrides.write((request.overrides ?? {}) as Overrides);
    await files.write(request, spawning.user);
    // A repeated prepare (the taskmanager retrying) finds the server running and goes on.
    if (this.#server.running() === undefined) {
      if (request.backupInfo !== undefined) await this.#restore(request.backupInfo);
      await this.#server.start(spawning);
    }
    await createUsers(this.#users, request.users, true);
    if (request.rootPassword !== undefined) await this.enableRootWithPassword(request.rootPassword);
  }

  /**
   * The backup's data only: the RDB holds keys (and functions), not ACL users, so users, root and
   * configuration are this instance's, from this request.
   */
  async #restore(info: BackupInfo): Promise<void> {
    const restore = this.context.restore;
    if (restore === undefined)
      throw this.#files.failed('this guest has no backup storage to restore the backup from.');
    try {
      await restore(info);
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw this.#files.failed(`restoring backup ${info.id} failed: ${message(error)}`, error);
    }
  }

  /** The agent restarted: start the server unless it is running on, and adopt it either way. */
  override async resume(): Promise<void> {
    if (!this.#files.prepared || this.#server.running() !== undefined) return;
    await this.#server.start(await this.#files.spawning());
  }

  override async restart(): Promise<void> {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'Redis cannot be restarted: the instance has not been prepared.',
      });
    await this.stopDb();
    await this.#server.start(await this.#files.spawning());
  }

  override async stopDb(): Promise<void> {
    await this.#server.stop();
  }

  /** A new flavor: maxmemory derived from its RAM (resize.ts); Cellar sends no file of its own. */
  override async startDbWithConfChanges(_configContents: string, memoryMb: number): Promise<void> {
    const files = this.#files;
    if (!files.prepared)
      throw new GuestError({
        reason: 'Redis cannot be resized: the instance has not been prepared.',
      });
    await startWithMemory(
      {
        settingsFile: files.settingsFile,
        write: (text) => writeOwned(files.settingsFile, text, undefined),
        restart: () => this.restart(),
      },
      memoryMb,
    );
  }

  override async getServiceStatus(): Promise<ServiceStatus> {
    if (this.#preparing || !this.#files.prepared) return 'building';
    return this.#server.health();
  }

  override async metrics(): Promise<GuestMetrics | undefined> {
    return redisMetrics({ files: this.#files, admin: this.#admin, server: this.#server });
  }

  // configuration

  /** Cellar renders the server's own settings from the flavor: Trove's template has no place here. */
  override async resetConfiguration(_configContents: string): Promise<void> {}

  override async updateOverrides(overrides: Overrides, remove: boolean): Promise<void> {
    this.#mustBePrepared();
    await this.#overrides.update(overrides, remove);
  }

  override async applyOverrides(overrides: Overrides): Promise<void> {
    this.#mustBePrepared();
    await this.#overrides.apply(overrides);
  }

  #mustBePrepared(): void {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'Configuration values cannot be applied: the instance has not been prepared.',
      });
  }

  // users

  override async createUser(users: readonly UserSpec[]): Promise<void> {
    await createUsers(this.#users, users, false);
  }

  override async listUsers(params: ListParams): Promise<Page<UserInfo>> {
    return listUsers(this.#users, params);
  }

  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    return getUser(this.#users, user);
  }

  override async deleteUser(user: UserRef): Promise<void> {
    await deleteUser(this.#users, user);
  }

  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    await changePasswords(this.#users, users);
  }

  override async updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void> {
    await updateAttributes(this.#users, user, attributes);
  }

  // root

  override async enableRoot(): Promise<UserSpec> {
    return this.enableRootWithPassword(
      generatedPassword(this.context.options.default_password_length),
    );
  }

  override async enableRootWithPassword(password: string): Promise<UserSpec> {
    return enableRootWithPassword(this.#admin, password);
  }

  override async disableRoot(): Promise<void> {
    await disableRoot(this.#admin);
  }

  override async isRootEnabled(): Promise<boolean> {
    return isRootEnabled(this.#admin);
  }

  // guest-logs

  /** The server's log file and its slow log (logs.ts). */
  logFiles(): readonly DatastoreLogFile[] {
    return redisLogs({
      logFile: this.#files.logFile,
      logDir: this.context.logDir,
      mountPoint: this.context.mountPoint,
      slowlog: async () =>
        this.#server.running() === undefined
          ? undefined
          : this.#admin.call('SLOWLOG', 'GET', '128'),
    });
  }
}

export default defineDatastoreGuest({ name: 'redis', manager: RedisManager });
