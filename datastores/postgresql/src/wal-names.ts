// WAL positions and file names as PostgreSQL writes them: LSNs (`16/B374D848`), the 24-hex-digit
// segment names (timeline, then the segment number in two halves) and the other archived files.

/** The default and by far the most common segment size (initdb --wal-segsize changes it). */
export const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const FOUR_GB = 0x1_0000_0000n;

/** An LSN as PostgreSQL prints it, as a number. */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (match === null) throw new Error(`'${lsn}' is not a WAL location`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

const hex8 = (n: bigint | number): string => n.toString(16).toUpperCase().padStart(8, '0');

/** The segment file holding byte `lsn` of the WAL, on a timeline. */
export function segmentOf(timeline: number, lsn: bigint, segmentSize: number): string {
  const size = BigInt(segmentSize);
  const segno = lsn / size;
  const perId = FOUR_GB / size;
  return `${hex8(timeline)}${hex8(segno / perId)}${hex8(segno % perId)}`;
}

/**
 * The segment holding the WAL that ends at `lsn`: an end position on a segment boundary belongs
 * to the segment before it, as pg_walfile_name() reads end positions.
 */
export function segmentEndingAt(timeline: number, lsn: bigint, segmentSize: number): string {
  return segmentOf(timeline, lsn === 0n ? 0n : lsn - 1n, segmentSize);
}

export interface SegmentName {
  readonly timeline: number;
  /** The segment number on its timeline. */
  readonly segno: bigint;
}

/** A 24-digit segment name's parts; undefined for any other file name. */
export function parseSegment(name: string, segmentSize: number): SegmentName | undefined {
  const match = SEGMENT.exec(name);
  if (match === null) return undefined;
  const perId = FOUR_GB / BigInt(segmentSize);
  return {
    timeline: Number.parseInt(match[1] ?? '', 16),
    segno: BigInt(`0x${match[2]}`) * perId + BigInt(`0x${match[3]}`),
  };
}

export const isSegment = (name: string): boolean => SEGMENT.test(name);

/** The segment after `name` on the same timeline. */
export function nextSegment(name: string, segmentSize: number): string {
  const parsed = parseSegment(name, segmentSize);
  if (parsed === undefined) throw new Error(`'${name}' is not a WAL segment name`);
  const size = BigInt(segmentSize);
  return segmentOf(parsed.timeline, (parsed.segno + 1n) * size, segmentSize);
}

/** Every segment from `first` through `last`, which must be on one timeline. */
export function segmentRange(first: string, last: string, segmentSize: number): string[] {
  const a = parseSegment(first, segmentSize);
  const b = parseSegment(last, segmentSize);
  if (a === undefined || b === undefined) throw new Error(`'${first}'..'${last}' is not a range`);
  if (a.timeline !== b.timeline)
    throw new Error(`WAL segments ${first} and ${last} are on different timelines`);
  const names: string[] = [];
  for (let name = first; name <= last; name = nextSegment(name, segmentSize)) names.push(name);
  return names;
}

/**
 * The files an archive_command is given: segments, the `.partial` one a promotion leaves,
 * `.backup` history files and `.history` timeline files. Anything else is not WAL.
 */
export function isArchivedWal(name: string): boolean {
  return /^[0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?$|^[0-9A-F]{8}\.history$/.test(name);
}
