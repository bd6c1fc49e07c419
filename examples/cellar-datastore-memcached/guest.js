// The memcached datastore's guest half: a manager on BaseDatastoreManager that prepares a SASL
// password database and runs memcached as the guest's OS user, and keeps its users. Everything
// else (databases, root, backups, replicas, ...) is left to the base, which refuses it.

import {
  BaseDatastoreManager,
  GuestError,
  InstanceNotReady,
  defineDatastoreGuest,
  isCellarError,
} from '@cellar/plugin-api';
import { InstanceFiles } from './lib/instance-files.js';
import { MemcachedProcess } from './lib/memcached-process.js';
import { identityFor } from './lib/programs.js';
import { SaslUsers } from './lib/sasl-users.js';

/** Below this memcached has too few slab pages to store much at all. */
const MIN_ITEM_MEMORY_MB = 16;

/** @param {unknown} error */
const message = (error) => (error instanceof Error ? error.message : String(error));

/**
 * @typedef {object} MemcachedOptions the guest group of options.js, validated by the agent
 * @property {number} memory_ratio
 * @property {number} max_connections
 */

/** @extends {BaseDatastoreManager<MemcachedOptions>} */
export class MemcachedManager extends BaseDatastoreManager {
  #files = new InstanceFiles(this.context);
  #server = new MemcachedProcess(this.#files, this.context.address);
  #users = new SaslUsers(this.#files, () => this.#identity());
  #preparing = false;

  #identity() {
    return identityFor(this.context);
  }

  // lifecycle

  /** @param {import('@cellar/plugin-api').PrepareRequest} request */
  async prepare(request) {
    this.#preparing = true;
    try {
      const identity = await this.#identity();
      await this.#files.writeSaslConfig(identity);
      // Users first: memcached reads the database at each authentication, and a repeated
      // prepare (the taskmanager retrying) finds the ones it made.
      await this.#users.create(request.users, true);
      const { memory_ratio: ratio, max_connections: maxConnections } = this.context.options;
      const memoryMb = Math.max(MIN_ITEM_MEMORY_MB, Math.floor(request.memoryMb * ratio));
      await this.#files.writeSettings({ memoryMb, maxConnections }, identity);
      if (this.#server.running() === undefined)
        await this.#server.start(identity, { memoryMb, maxConnections });
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw new GuestError({ reason: `prepare failed: ${message(error)}` }, { cause: error });
    } finally {
      this.#preparing = false;
    }
  }

  /** The agent restarted on a prepared instance: start memcached again unless it runs on. */
  async resume() {
    if (!this.#files.prepared || this.#server.running() !== undefined) return;
    await this.#start();
  }

  async restart() {
    if (!this.#files.prepared)
      throw new GuestError({
        reason: 'memcached cannot be restarted: the instance has not been prepared.',
      });
    await this.stopDb();
    await this.#start();
  }

  async stopDb() {
    await this.#guard(async () => this.#server.stop(await this.#identity()));
  }

  async getServiceStatus() {
    if (this.#preparing || !this.#files.prepared) return 'building';
    return this.#server.health();
  }

  async #start() {
    const settings = await this.#files.readSettings();
    await this.#guard(async () => this.#server.start(await this.#identity(), settings));
  }

  /** @param {() => Promise<void>} work */
  async #guard(work) {
    try {
      await work();
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw new GuestError({ reason: message(error) }, { cause: error });
    }
  }

  // users: SASL users of the instance's sasldb

  /** Users need the database prepare made; before that, say the instance is not ready. */
  async #ready() {
    if (!this.#files.prepared)
      throw new InstanceNotReady({
        id: this.context.guestId,
        status: await this.getServiceStatus(),
      });
    return this.#users;
  }

  /** @param {readonly import('@cellar/plugin-api').UserSpec[]} users */
  async createUser(users) {
    await (await this.#ready()).create(users, false);
  }

  /** @param {import('@cellar/plugin-api').ListParams} params */
  async listUsers(params) {
    return (await this.#ready()).list(params);
  }

  /** @param {import('@cellar/plugin-api').UserRef} user */
  async getUser(user) {
    return (await this.#ready()).get(user);
  }

  /** @param {import('@cellar/plugin-api').UserRef} user */
  async deleteUser(user) {
    await (await this.#ready()).delete(user);
  }

  /** @param {readonly (import('@cellar/plugin-api').UserRef & { password: string })[]} users */
  async changePasswords(users) {
    await (await this.#ready()).changePasswords(users);
  }

  /**
   * @param {import('@cellar/plugin-api').UserRef} user
   * @param {Partial<import('@cellar/plugin-api').UserSpec>} attributes
   */
  async updateAttributes(user, attributes) {
    await (await this.#ready()).update(user, attributes);
  }
}

// No standby hook: memcached keeps nothing on disk to initialise ahead (its sasldb holds only the
// request's users) and it answers some 10 ms after it is started, so a standby would save nothing.
export default defineDatastoreGuest({ name: 'memcached', manager: MemcachedManager });
