// Real PostgreSQL instances on the local compute driver, as tests meet them: whether this machine
// can run them, psql to an instance's address as a user would, and the processes an instance left.

import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const majors = existsSync(PG_ROOT)
  ? readdirSync(PG_ROOT).filter((m) => existsSync(join(PG_ROOT, m, 'bin', 'postgres')))
  : [];

/** Why tests of real instances cannot run here, or false when they can. */
export const noPostgresql: string | false =
  majors.length === 0 ? 'PostgreSQL is not installed (scripts/test installs it)' : false;

const psqlBin = join(PG_ROOT, majors.sort().at(-1) ?? '15', 'bin', 'psql');

/** psql as a user would run it: over TCP to the instance's address, with a password. */
export async function psql(
  address: string,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await exec(
      psqlBin,
      ['-h', address, '-U', user, '-d', database, '-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      {
        env: { PATH: process.env['PATH'] ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      },
    );
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
  }
}

/** Processes whose command line mentions `text` (an instance id: its guest, its postgres). */
export async function processesNaming(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

/** The children of `parent` started as standby guest agents (`--standby` on their command line). */
export async function standbyAgentsOf(parent: number): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== parent) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes('--standby')) found.push(Number(pid));
  }
  return found;
}

/**
 * A loopback /24 of the default pool's /16 for one test deployment's instances, and the prefix its
 * addresses start with. Deployments sharing a pool race for the same address between probing it
 * and their server binding it, so tests that may run side by side each take their own.
 */
export function testAddressPool(): { setting: string; prefix: string } {
  const prefix = `127.42.${randomInt(1, 255)}.`;
  return { setting: `local.address_pool=${prefix}0/24`, prefix };
}
