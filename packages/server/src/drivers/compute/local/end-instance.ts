// Ending every process an instance's guests started, for its delete: its identity file first (a
// guest nobody finds ends itself on seeing it gone), the agent, then its process groups.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { endProcesses, processTree, signal } from '@cellar/plugin-api/processes';
import { processGroups } from './fence.js';

/**
 * SIGTERM to the agent (it leaves its database running), then SIGINT to what remains of the
 * instance's process groups and their descendants (PostgreSQL's fast shutdown) and SIGKILL after
 * a grace period. Answers the PIDs that had to be killed.
 */
export async function endInstanceProcesses(
  dir: string,
  agent: number | undefined,
): Promise<number[]> {
  const groups = await processGroups(dir);
  await rm(join(dir, 'guest_info.conf'), { force: true });
  if (agent) signal([agent], 'SIGTERM');
  return endProcesses(() => processTree(groups, dir), 10_000);
}
