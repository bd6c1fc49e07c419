// What mariabackup's xtrabackup_checkpoints says about a backup (its type and LSN range), kept as
// the backup's meta: an incremental starts from its parent's, a restore checks its chain links up.

import type { BackupInfo, Json } from '@cellar/plugin-api';

/** A backup's facts as the backup strategy records them on the backup. */
export interface MariabackupMeta {
  /** `full-backuped` or `incremental`. */
  readonly backup_type: string;
  readonly from_lsn: number;
  readonly to_lsn: number;
  /** The file itself: written back as an incremental's `--incremental-basedir`. */
  readonly checkpoints: string;
}

export const FULL = 'full-backuped';
export const INCREMENTAL = 'incremental';

const lsn = (fields: ReadonlyMap<string, string>, name: string): number => {
  const value = Number(fields.get(name));
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`xtrabackup_checkpoints has no ${name} Cellar can keep`);
  return value;
};

/** The meta of a backup whose xtrabackup_checkpoints is `text`; an unreadable file is refused. */
export function parseCheckpoints(text: string): MariabackupMeta {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1], m[2]);
  }
  const type = fields.get('backup_type');
  if (type !== FULL && type !== INCREMENTAL)
    throw new Error(`xtrabackup_checkpoints names no backup type Cellar knows (${type ?? 'none'})`);
  return {
    backup_type: type,
    from_lsn: lsn(fields, 'from_lsn'),
    to_lsn: lsn(fields, 'to_lsn'),
    checkpoints: text,
  };
}

/** A backup's recorded meta, read back; undefined when it is not one this strategy recorded. */
export function recordedMeta(
  meta: Readonly<Record<string, Json>> | undefined,
): MariabackupMeta | undefined {
  const checkpoints = meta?.['checkpoints'];
  if (typeof checkpoints !== 'string') return undefined;
  try {
    return parseCheckpoints(checkpoints);
  } catch {
    return undefined;
  }
}

/** The checkpoints an incremental on `parent` starts from; refused when its meta has none. */
export function parentCheckpoints(parent: BackupInfo): string {
  const meta = recordedMeta(parent.meta);
  if (meta === undefined)
    throw new Error(
      `the parent backup ${parent.id} has no mariabackup checkpoints in its meta: an incremental needs a mariabackup parent`,
    );
  return meta.checkpoints;
}

/**
 * Each backup's meta, full first, once the chain is known to link up: a full backup, then
 * incrementals each starting where the one before ended (mariabackup would only say so after
 * the whole chain was downloaded).
 */
export function checkChain(chain: readonly BackupInfo[]): MariabackupMeta[] {
  const metas: MariabackupMeta[] = [];
  for (const [i, backup] of chain.entries()) {
    const meta = recordedMeta(backup.meta);
    if (meta === undefined)
      throw new Error(`backup ${backup.id} has no mariabackup checkpoints in its meta`);
    const before = metas[i - 1];
    if (before === undefined && meta.backup_type !== FULL)
      throw new Error(
        `backup ${backup.id} is ${meta.backup_type}: a chain starts with a full backup`,
      );
    if (before !== undefined && meta.backup_type !== INCREMENTAL)
      throw new Error(`backup ${backup.id} is ${meta.backup_type}, not an incremental`);
    if (before !== undefined && meta.from_lsn !== before.to_lsn)
      throw new Error(
        `backup ${backup.id} starts at LSN ${meta.from_lsn}, not where ${chain[i - 1]?.id ?? ''} ended (${before.to_lsn})`,
      );
    metas.push(meta);
  }
  return metas;
}
