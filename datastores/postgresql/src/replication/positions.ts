// WAL positions and the names replication derives from instance ids: an LSN as the number the
// control plane compares, a replica's slot (also its application_name), and primary_conninfo.

import { BadRequest, type ReplicationSource } from '@cellar/plugin-api';

/** `16/B374D848` as bytes since the start of WAL: exact up to 2^53, about 9 PB of WAL. */
export function lsnToNumber(lsn: string): number {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  if (match === null)
    throw new BadRequest({ reason: `'${lsn}' is not a WAL position such as 0/3000148.` });
  return parseInt(match[1] ?? '0', 16) * 2 ** 32 + parseInt(match[2] ?? '0', 16);
}

/** The physical slot a source keeps for one replica; the replica names itself so on connecting. */
export function slotName(replicaId: string): string {
  return `cellar_${replicaId.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 63);
}

/** Every slot Cellar made starts so; the others (a tenant's logical slots) are never touched. */
export const isCellarSlot = (name: string): boolean => name.startsWith('cellar_');

/** A libpq keyword value: quoted, with backslash and quote escaped as libpq reads them. */
const conninfoValue = (value: string): string =>
  `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** How this replica (`replicaId`) connects to its source, as primary_conninfo says it. */
export function primaryConninfo(source: ReplicationSource, replicaId: string): string {
  const pairs: [string, string][] = [
    ['host', source.host],
    ['port', String(source.port)],
    ['user', source.user],
    ['password', source.password],
    ['application_name', slotName(replicaId)],
    ['connect_timeout', '5'],
  ];
  return pairs.map(([key, value]) => `${key}=${conninfoValue(value)}`).join(' ');
}

/** The same source as pg_rewind reads it: an ordinary session on database postgres. */
export function rewindConninfo(source: ReplicationSource): string {
  const pairs: [string, string][] = [
    ['host', source.host],
    ['port', String(source.port)],
    ['user', source.user],
    ['password', source.password],
    ['dbname', 'postgres'],
    ['connect_timeout', '5'],
  ];
  return pairs.map(([key, value]) => `${key}=${conninfoValue(value)}`).join(' ');
}
