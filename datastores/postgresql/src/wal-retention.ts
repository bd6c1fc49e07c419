// How long the WAL archive keeps what it shipped: a segment before the start of the oldest kept
// full backup serves no restore (each starts at its own start segment, and an incremental's WAL
// follows its parent's), so it may go; timeline history files stay, as every restore may need them.

import type { ArchiveRetention, BackupObjectInfo, RetainedFullBackup } from '@cellar/plugin-api';
import { archivedWal, walPrefix } from './wal-objects.js';

const SEGMENT = /^[0-9A-F]{24}$/;

/** The oldest start segment among the full backups; undefined when one does not say (keep all). */
function oldestStart(fullBackups: readonly RetainedFullBackup[]): string | undefined {
  let oldest: string | undefined;
  for (const backup of fullBackups) {
    const start = backup.meta['startSegment'];
    if (typeof start !== 'string' || !SEGMENT.test(start)) return undefined;
    if (oldest === undefined || start < oldest) oldest = start;
  }
  return oldest;
}

export const walRetention: ArchiveRetention = {
  prefix: walPrefix,
  expired(_instanceId, objects: readonly BackupObjectInfo[], fullBackups) {
    const oldest = oldestStart(fullBackups);
    if (oldest === undefined) return [];
    const expired: string[] = [];
    for (const object of objects)
      for (const wal of archivedWal([object]).values()) {
        // A segment, or a .partial or .backup file named after one: compared by that segment.
        const segment = wal.name.slice(0, 24);
        if (wal.name.endsWith('.history') || !SEGMENT.test(segment)) continue;
        if (segment < oldest) expired.push(wal.location);
      }
    return expired;
  },
};
