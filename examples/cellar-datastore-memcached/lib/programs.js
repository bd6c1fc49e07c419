// Running the Debian programs the guest needs (memcached, saslpasswd2, sasldblistusers2) as the
// guest's OS user, with a minimal environment, and without a shell: names and passwords are data.

import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';

/**
 * Who runs the programs: the guest's own user, or, when the guest runs as root (as on a server
 * of its own), the owner of the data volume, since memcached will not run as root.
 * @typedef {object} Identity
 * @property {number} [uid]
 * @property {number} [gid]
 * @property {string} home
 */

/**
 * @param {{ mountPoint: string, runDir: string }} context @returns {Promise<Identity>}
 */
export async function identityFor({ mountPoint, runDir }) {
  if (process.getuid?.() !== 0) return { home: runDir };
  const owner = await stat(mountPoint);
  if (owner.uid === 0)
    throw new Error(
      `${mountPoint} belongs to root, and memcached will not run as root: give the volume to the guest's OS user.`,
    );
  return { home: runDir, uid: owner.uid, gid: owner.gid };
}

/**
 * Options for spawn(): the identity, cwd /, and only PATH, HOME and what `env` adds.
 * @param {Identity} identity @param {Record<string, string>} [env]
 */
export function spawnOptions(identity, env = {}) {
  return {
    cwd: '/',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: identity.home, ...env },
    ...(identity.uid === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
  };
}

/**
 * Runs a program to completion with `input` on its stdin; resolves with its stdout, rejects with
 * its output when it fails.
 * @param {string} program @param {readonly string[]} args @param {Identity} identity
 * @param {string} [input] @returns {Promise<string>}
 */
export function run(program, args, identity, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...spawnOptions(identity),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(new Error(`${program} exited with ${signal ?? `status ${code}`}: ${stderr.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
