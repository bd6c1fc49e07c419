// What the PostgreSQL benches share: an instance made through the API and found on this machine
// (its postmaster, binaries and data directory), and a 10 ms poll with a deadline.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiSession } from '@cellar/server/testing';

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export const POLL_MS = 10;
export const DEADLINE_MS = 60_000;

export interface Postmaster {
  readonly pid: number;
  readonly bin: string;
  readonly dataDir: string;
}

/** The instance's postmaster: the postgres process whose data directory lies in the instance's. */
export async function postmasterOf(instanceId: string): Promise<Postmaster> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then(
      (text) => text.split('\0'),
      () => [],
    );
    const [bin = '', flag, dataDir = ''] = argv;
    if (!bin.endsWith('/postgres') || flag !== '-D' || !dataDir.includes(`/${instanceId}/`))
      continue;
    // The postmaster itself, not one of its children: it works in the data directory.
    if ((await readlink(`/proc/${entry}/cwd`).catch(() => '')) !== dataDir) continue;
    return { pid: Number(entry), bin: bin.slice(0, -'/postgres'.length), dataDir };
  }
  throw new Error(`no postmaster found for instance ${instanceId}`);
}

/** Polls until check holds, every 10 ms, up to a minute. */
export async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within a minute`);
    await sleep(POLL_MS);
  }
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const readyIn = async (dataDir: string, pid: number): Promise<boolean> => {
  const lines = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').then(
    (text) => text.split('\n'),
    () => [],
  );
  return Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
};

/** A PostgreSQL instance through the API, ACTIVE; `extra` joins the create body. */
export async function createInstance(
  api: ApiSession,
  name: string,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<string> {
  const created = await api.call('POST', '/instances', {
    instance: {
      name,
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'postgresql' },
      ...extra,
    },
  });
  const id = (created.json['instance'] as { id?: string } | undefined)?.id;
  if (id === undefined)
    throw new Error(`create answered ${created.status}: ${JSON.stringify(created.json)}`);
  const shown = await api.untilInstance(
    id,
    (i) => i['status'] === 'ACTIVE' || i['status'] === 'ERROR',
    'ACTIVE',
    600,
    20,
  );
  if (shown['status'] !== 'ACTIVE')
    throw new Error(`instance ${id} failed: ${JSON.stringify(shown['fault'])}`);
  return id;
}
