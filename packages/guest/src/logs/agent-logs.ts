// The agent's guest_log_list and guest_log_action: the datastore's declared logs (logFiles() on
// its manager) and the agent's own guest.log, which every instance has (Trove's `guest`, SYS).

import { join } from 'node:path';
import {
  datastoreLogFiles,
  type BaseDatastoreManager,
  type GuestBackupObjects,
  type GuestLogger,
} from '@cellar/plugin-api';
import { guestArgs, method, type AnyMethod } from '@cellar/rpc';
import { GuestLogs } from './guest-logs.js';

export interface AgentLogsSpec {
  readonly manager: BaseDatastoreManager<unknown>;
  readonly instanceId: string;
  readonly datastore: string;
  /** The datastore's guest options: `guest_log_exposed_logs` is read from them. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly objects?: GuestBackupObjects | undefined;
  readonly logDir: string;
  readonly runDir: string;
  readonly log: GuestLogger;
}

const exposedLogs = (options: Readonly<Record<string, unknown>>): string[] => {
  const listed = options['guest_log_exposed_logs'];
  return Array.isArray(listed) ? listed.filter((n): n is string => typeof n === 'string') : [];
};

export function agentLogs(spec: AgentLogsSpec): GuestLogs {
  const guest = { name: 'guest', type: 'SYS', file: join(spec.logDir, 'guest.log') } as const;
  return new GuestLogs({
    instanceId: spec.instanceId,
    datastore: spec.datastore,
    logs: () => [...datastoreLogFiles(spec.manager), guest],
    exposed: exposedLogs(spec.options),
    ...(spec.objects ? { objects: spec.objects } : {}),
    runDir: spec.runDir,
    log: spec.log,
  });
}

/** The two methods as the agent serves them, in place of the manager's refusals. */
export function guestLogMethods(logs: GuestLogs): Record<string, AnyMethod> {
  return {
    guest_log_list: method(guestArgs.guest_log_list, () => logs.list()),
    guest_log_action: method(guestArgs.guest_log_action, (a) => logs.action(a.action)),
  };
}
