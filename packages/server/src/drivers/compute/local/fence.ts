// Fencing an instance: every process it runs is killed at once by PID (its guest agent, what it
// started in its process groups, and when it has an OS user of its own every process of that
// user), so a source taken for dead cannot go on accepting writes beside its promoted replica.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree, readProcesses, signal } from '@cellar/plugin-api/processes';
import type { InstanceRecords } from './instance-records.js';

const FENCE_DEADLINE_MS = 5_000;

/** The process groups the instance's agent recorded as it started them. */
export async function processGroups(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'process-groups'), 'utf8').catch(() => '');
  return [...new Set(text.split('\n').filter(Boolean).map(Number))];
}

/** The processes running as `uid` (their /proc entry belongs to it). */
async function processesOf(uid: number): Promise<number[]> {
  const owned = await Promise.all(
    [...(await readProcesses()).keys()].map(async (pid) => {
      const owner = await stat(`/proc/${pid}`).then(
        (s) => s.uid,
        () => undefined,
      );
      return owner === uid ? pid : undefined;
    }),
  );
  return owned.filter((pid): pid is number => pid !== undefined);
}

/** Kills the instance's processes with SIGKILL until none is left; answers those it killed. */
export async function fenceProcesses(
  records: InstanceRecords,
  instanceId: string,
): Promise<number[]> {
  const dir = records.dir(instanceId);
  const record = await records.read(instanceId).catch(() => undefined);
  const groups = await processGroups(dir);
  const find = async (): Promise<number[]> => {
    const agent = await records.guestPid(instanceId);
    const pids = new Set(await processTree(groups, dir));
    if (agent !== undefined) pids.add(agent);
    // Never this process's own user: Cellar's guests share it when it does not run as root.
    if (record?.user !== undefined && record.user.uid !== process.getuid?.())
      for (const pid of await processesOf(record.user.uid)) pids.add(pid);
    return [...pids];
  };
  const killed = new Set<number>();
  const deadline = Date.now() + FENCE_DEADLINE_MS;
  for (let left = await find(); left.length > 0; left = await find()) {
    signal(left, 'SIGKILL');
    for (const pid of left) killed.add(pid);
    if (Date.now() > deadline) break;
    await sleep(25);
  }
  return [...killed];
}
