// The instance's memcached server: started as the guest's OS user with SASL on, ready once it
// answers the binary protocol, found again by the PID the guest recorded, stopped by that PID.

import { spawn } from 'node:child_process';
import { closeSync, fchownSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningServer } from '@cellar/plugin-api/processes';
import { saslMechanisms } from './binary-protocol.js';
import { writeOwned } from './instance-files.js';
import { spawnOptions } from './programs.js';

export const MEMCACHED = '/usr/bin/memcached';
export const PORT = 11211;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

/**
 * Whether `pid` is a live memcached (not a zombie, not a process that took a stale PID).
 * @param {number} pid
 */
function isMemcached(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2);
    return (
      fields[0] !== 'Z' && stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'memcached'
    );
  } catch {
    return false;
  }
}

export class MemcachedProcess {
  /**
   * @param {import('./instance-files.js').InstanceFiles} files
   * @param {string} address the instance's own address: memcached listens there only
   */
  constructor(files, address) {
    this.files = files;
    this.where = { host: address, port: PORT, timeoutMs: 1000 };
  }

  /**
   * The PID of this instance's running server, if any: a memcached working in the instance's
   * directory. A PID reused since by another tenant's memcached works in that tenant's directory.
   * @returns {number | undefined}
   */
  running() {
    const pid = runningServer(this.files.pidFile, this.files.dir);
    return pid !== undefined && isMemcached(pid) ? pid : undefined;
  }

  /**
   * @param {import('./programs.js').Identity} identity
   * @param {import('./instance-files.js').Settings} settings
   */
  async start(identity, settings) {
    await mkdir(this.files.logDir, { recursive: true });
    await rm(this.files.stoppedMarker, { force: true });
    const args = [
      '-S', // SASL: every client authenticates, over the binary protocol
      '-l',
      this.where.host,
      '-p',
      String(PORT),
      '-U',
      '0', // no UDP: it has no authentication
      '-m',
      String(settings.memoryMb),
      '-c',
      String(settings.maxConnections),
    ];
    const log = openSync(this.files.logFile, 'a', 0o600);
    let child;
    try {
      if (identity.uid !== undefined) fchownSync(log, identity.uid, identity.gid ?? identity.uid);
      // The child stays in the agent's process group, which the compute driver ends on delete.
      child = spawn(MEMCACHED, args, {
        ...spawnOptions(identity, { SASL_CONF_PATH: this.files.saslDir }),
        cwd: this.files.dir,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`${MEMCACHED} could not be started`);
    await writeFile(this.files.pidFile, `${child.pid}\n`, { mode: 0o600 });
    await this.#waitReady(child);
  }

  /** @param {import('node:child_process').ChildProcess} child */
  async #waitReady(child) {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `memcached exited with ${child.signalCode ?? `status ${child.exitCode}`} while starting; see ${this.files.logFile}`,
        );
      if (await this.answers()) return;
      if (Date.now() > deadline)
        throw new Error(`memcached did not answer within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS);
    }
  }

  /** Whether the server answers the binary protocol with PLAIN among its SASL mechanisms. */
  async answers() {
    try {
      return (await saslMechanisms(this.where)).includes('PLAIN');
    } catch {
      return false;
    }
  }

  /**
   * SIGTERM, and waits until it is gone; leaves the marker that tells a stop from a crash.
   * @param {import('./programs.js').Identity} identity
   */
  async stop(identity) {
    if (this.files.prepared)
      await writeOwned(this.files.stoppedMarker, 'stopped through the guest agent\n', identity);
    const pid = this.running();
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isMemcached(pid)) {
      if (Date.now() > deadline)
        throw new Error(`memcached (PID ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS);
    }
    await rm(this.files.pidFile, { force: true });
  }

  /** @returns {Promise<import('@cellar/plugin-api').ServiceStatus>} */
  async health() {
    if (this.running() !== undefined) return (await this.answers()) ? 'healthy' : 'unknown';
    return this.files.stopped ? 'shutdown' : 'crashed';
  }
}
