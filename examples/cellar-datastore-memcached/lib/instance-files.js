// Where one memcached instance keeps its files, and the settings prepare chose.
//
//   <mount point>/sasl/            0700, the server's user: SASL_CONF_PATH
//                 sasl/memcached.conf  mech_list and sasldb_path, read by memcached's SASL library
//                 sasl/sasldb2         the SASL users (memcached keeps no other state on disk)
//   <mount point>/memcached.json   the settings prepare derived from the flavor; its presence means
//                                  the instance is prepared (restart and resume read it)
//   <mount point>/stopped          left by stop_db, so a stopped server is not taken for a crash
//   <run dir>/memcached.pid        the running server's PID, written by the guest
//   <log dir>/memcached.log        the server's own output

import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * @typedef {object} Settings
 * @property {number} memoryMb memcached's -m: the item memory
 * @property {number} maxConnections memcached's -c
 */

export class InstanceFiles {
  /** @param {{ mountPoint: string, runDir: string, logDir: string }} context */
  constructor(context) {
    /** memcached's working directory: the instance's own, so its process is found by it. */
    this.dir = context.mountPoint;
    this.saslDir = join(context.mountPoint, 'sasl');
    this.saslConf = join(this.saslDir, 'memcached.conf');
    this.sasldb = join(this.saslDir, 'sasldb2');
    this.settingsFile = join(context.mountPoint, 'memcached.json');
    this.stoppedMarker = join(context.mountPoint, 'stopped');
    this.pidFile = join(context.runDir, 'memcached.pid');
    this.logDir = context.logDir;
    this.logFile = join(context.logDir, 'memcached.log');
  }

  get prepared() {
    return existsSync(this.settingsFile);
  }

  get stopped() {
    return existsSync(this.stoppedMarker);
  }

  /**
   * The SASL directory and its configuration: PLAIN only (memcached's SASL runs over the
   * binary protocol; TLS is the network's business) against this instance's own sasldb.
   * @param {import('./programs.js').Identity} identity
   */
  async writeSaslConfig(identity) {
    await mkdir(this.saslDir, { recursive: true, mode: 0o700 });
    await chmod(this.saslDir, 0o700);
    if (identity.uid !== undefined)
      await chown(this.saslDir, identity.uid, identity.gid ?? identity.uid);
    await writeOwned(this.saslConf, `mech_list: plain\nsasldb_path: ${this.sasldb}\n`, identity);
  }

  /** @param {Settings} settings @param {import('./programs.js').Identity} identity */
  async writeSettings(settings, identity) {
    await writeOwned(this.settingsFile, `${JSON.stringify(settings, null, 2)}\n`, identity);
  }

  /** @returns {Promise<Settings>} */
  async readSettings() {
    return JSON.parse(await readFile(this.settingsFile, 'utf8'));
  }
}

/**
 * Replaces a file whole (write, then rename), owned by the server's user.
 * @param {string} path @param {string} content @param {import('./programs.js').Identity} identity
 */
export async function writeOwned(path, content, identity) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  if (identity.uid !== undefined)
    await chown(temporary, identity.uid, identity.gid ?? identity.uid);
  await rename(temporary, path);
}
