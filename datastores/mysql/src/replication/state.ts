// The replication state a MariaDB guest reports in each heartbeat: its role, how far its data goes
// (the GTID sequence), a replica's lag and whether it streams, a source's connected replicas.

import type { ReplicationState } from '@cellar/plugin-api';
import type { AdminSession } from '../admin-session.js';
import { parseGtids, progressOf } from './gtid.js';
import { readRole, serverIdOf } from './settings.js';
import { armSemiSync, type ReplicationHost } from './source.js';
import { positions, slaveStatus, streaming } from './status.js';

/** The replicas connected to this source, named by the server ids their instance ids give. */
async function connectedReplicas(
  sql: AdminSession,
  replicaIds: readonly string[],
  synchronous: boolean,
): Promise<{ id: string; synchronous: boolean }[]> {
  const hosts = await sql.query('SHOW SLAVE HOSTS');
  const connected = new Set(hosts.map((row) => Number(row['Server_id'])));
  return replicaIds
    .filter((id) => connected.has(serverIdOf(id)))
    .map((id) => ({ id, synchronous }));
}

export async function replicationState(host: ReplicationHost): Promise<ReplicationState> {
  const role = await readRole(host.mountPoint);
  const now = await positions(host.sql);
  const position = now.current;
  const progress = progressOf(parseGtids(position));
  if (role?.role === 'replica') {
    const status = await slaveStatus(host.sql.query.bind(host.sql));
    return {
      role: 'replica',
      sourceId: role.sourceId,
      streaming: streaming(status),
      progress,
      position,
      ...(status?.secondsBehind !== undefined ? { lagSeconds: status.secondsBehind } : {}),
    };
  }
  if (role?.role === 'source') {
    if (role.synchronous) await armSemiSync(host.sql);
    return {
      role: 'source',
      progress,
      position,
      replicas: await connectedReplicas(host.sql, role.replicaIds, role.synchronous),
    };
  }
  return { role: 'standalone', progress, position };
}
