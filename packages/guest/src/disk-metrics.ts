// The disk figures of a heartbeat's metrics, measured by the agent on the instance's mount point
// for every datastore alike: the volume is the agent's to know, not the datastore's.

import { statfs } from 'node:fs/promises';
import type { GuestMetrics } from '@cellar/plugin-api';

/** Used and total bytes of the filesystem under `mountPoint`, as df counts them. */
export async function diskMetrics(mountPoint: string): Promise<GuestMetrics> {
  const s = await statfs(mountPoint);
  return {
    disk_used_bytes: (s.blocks - s.bfree) * s.bsize,
    disk_total_bytes: s.blocks * s.bsize,
  };
}
