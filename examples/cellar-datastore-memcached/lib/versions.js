// The memcached this host has, read from the installed binary, and what is missing when it cannot
// serve SASL users: the server half lists it, the guest runs it.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const MEMCACHED = '/usr/bin/memcached';
const SASLPASSWD = '/usr/sbin/saslpasswd2';
const SASL_PLUGIN_DIRS = [
  '/usr/lib/x86_64-linux-gnu/sasl2',
  '/usr/lib/aarch64-linux-gnu/sasl2',
  '/usr/lib/sasl2',
];

/**
 * The installed memcached as users name its version (`1.6`: major and minor, so a Debian
 * point release keeps the version's id), or undefined when it is not installed.
 * @returns {Promise<{ name: string, full: string, binary: string } | undefined>}
 */
export async function installedVersion(binary = MEMCACHED) {
  if (!existsSync(binary)) return undefined;
  const { stdout } = await exec(binary, ['-V']);
  const full = /^memcached (\d+\.\d+\.\d+)/.exec(stdout.trim())?.[1];
  if (full === undefined) return undefined;
  return { name: full.split('.').slice(0, 2).join('.'), full, binary };
}

/**
 * Whether Cyrus SASL's PLAIN mechanism is installed (libsasl2-modules).
 * @param {readonly string[]} dirs
 */
function hasPlainMechanism(dirs) {
  return dirs.some(
    (dir) => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('libplain.so')),
  );
}

/**
 * Why this host cannot run memcached instances, naming the Debian package that provides each
 * missing piece; undefined when everything is there. The paths are where Debian puts them.
 * @returns {Promise<string | undefined>}
 */
export async function whyUnavailable({
  memcached = MEMCACHED,
  saslpasswd = SASLPASSWD,
  pluginDirs = SASL_PLUGIN_DIRS,
} = {}) {
  const missing = [];
  if (!existsSync(memcached)) missing.push(`${memcached} (Debian package memcached)`);
  if (!existsSync(saslpasswd)) missing.push(`${saslpasswd} (Debian package sasl2-bin)`);
  if (!hasPlainMechanism(pluginDirs))
    missing.push("Cyrus SASL's PLAIN mechanism (Debian package libsasl2-modules)");
  return missing.length === 0
    ? undefined
    : `memcached with SASL users needs ${missing.join(', ')}, not installed on this host`;
}
