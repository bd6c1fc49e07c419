// The gauges a Redis guest's heartbeat carries, all from one INFO: connected_clients,
// instantaneous_ops_per_sec (Redis keeps that rate itself) and used_memory.

import type { GuestMetrics } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';
import type { InstanceFiles } from './instance-files.js';
import { infoFields } from './instance-rdb.js';
import type { ServerProcess } from './server-process.js';

export interface MetricsHost {
  readonly files: InstanceFiles;
  readonly admin: AdminSession;
  readonly server: ServerProcess;
}

/** Undefined while the server is not prepared or not running: there is nothing to measure. */
export async function redisMetrics(host: MetricsHost): Promise<GuestMetrics | undefined> {
  if (!host.files.prepared || host.server.running() === undefined) return undefined;
  const info = infoFields(String(await host.admin.call('INFO', 'clients', 'stats', 'memory')));
  const gauges: GuestMetrics = {};
  const read = (field: string): number | undefined => {
    const value = Number(info.get(field));
    return info.has(field) && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const connections = read('connected_clients');
  const commands = read('instantaneous_ops_per_sec');
  const memory = read('used_memory');
  if (connections !== undefined) gauges.connections = connections;
  if (commands !== undefined) gauges.commands_per_second = commands;
  if (memory !== undefined) gauges.memory_bytes = memory;
  return gauges;
}
