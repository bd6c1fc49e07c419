// MariaDB's global transaction ids as the guest reads and compares them: `domain-server-sequence`
// lists (`0-1-42,1-7-3`), the backup's recorded position, and whether one history contains another.

/** One GTID: a transaction's replication domain, the server that wrote it, its sequence number. */
export interface Gtid {
  readonly domain: number;
  readonly server: number;
  readonly sequence: number;
}

const GTID = /^(\d+)-(\d+)-(\d+)$/;

/** A GTID list as the server writes it (`gtid_binlog_pos`, `gtid_slave_pos`); '' is the empty list. */
export function parseGtids(text: string): Gtid[] {
  const list: Gtid[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = GTID.exec(item);
    if (match === null)
      throw new Error(`'${item}' is not a GTID (domain-server-sequence, such as 0-1-42)`);
    list.push({
      domain: Number(match[1]),
      server: Number(match[2]),
      sequence: Number(match[3]),
    });
  }
  return list;
}

export const formatGtids = (list: readonly Gtid[]): string =>
  list.map((g) => `${g.domain}-${g.server}-${g.sequence}`).join(',');

/**
 * How far a position goes, as one number that only grows along a history and compares across a
 * source and its replicas: the sum of each domain's sequence number (Cellar writes in domain 0).
 */
export const progressOf = (list: readonly Gtid[]): number =>
  list.reduce((sum, g) => sum + g.sequence, 0);

/**
 * The GTID position a mariabackup backup recorded, from its `xtrabackup_binlog_info` (or
 * `mariadb_backup_binlog_info`): `file<TAB>offset<TAB>gtid-list`; '' when the server had written
 * no transaction yet (the third field is then absent).
 */
export function parseBinlogInfo(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) throw new Error('the backup recorded no binary log position');
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2) throw new Error(`'${line}' is not a binary log position`);
  const gtids = fields.slice(2).join('');
  parseGtids(gtids);
  return gtids;
}

/**
 * The GTIDs of `mine` (a server's last transaction per domain) that a source with binlog state
 * `theirs` (its last transaction per domain and server) and replicated position `applied` never
 * had: a server that wrote them has a history its source lacks and cannot follow it.
 */
export function missingFrom(
  mine: readonly Gtid[],
  theirs: readonly Gtid[],
  applied: readonly Gtid[],
): Gtid[] {
  return mine.filter(
    (g) =>
      !theirs.some(
        (t) => t.domain === g.domain && t.server === g.server && t.sequence >= g.sequence,
      ) &&
      !applied.some(
        (t) => t.domain === g.domain && t.server === g.server && t.sequence >= g.sequence,
      ),
  );
}
