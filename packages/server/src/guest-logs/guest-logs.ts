// An instance's guest logs (Trove's /instances/{id}/log): listed and acted on by its guest, which
// publishes them to the backup storage; users without the admin role see only the logs the
// datastore's `guest_log_exposed_logs` exposes. Reading a published log back is Cellar's own
// (published-log.ts): a user needs no storage credentials for it.

import {
  BackupStorageNotConfigured,
  BadRequest,
  NotFound,
  type GuestLog,
  type GuestLogAction,
} from '@cellar/plugin-api';
import type { Caller, InstanceDeps } from '../instances/deps.js';
import { isAdmin } from '../policy/admin-context.js';
import { readyGuest, type InstanceRef } from '../instances/guest-resources.js';

/** Trove's LOG view: what the guest answers without Cellar's `exposed`. */
export type LogView = Omit<GuestLog, 'exposed'>;

/** POST /instances/{id}/log: Trove's flags, 0/1 or booleans; only `name` is required. */
export interface LogActionRequest {
  readonly name: string;
  readonly enable?: boolean | number | undefined;
  readonly disable?: boolean | number | undefined;
  readonly publish?: boolean | number | undefined;
  readonly discard?: boolean | number | undefined;
}

const view = ({ exposed: _exposed, ...log }: GuestLog): LogView => log;

export async function listGuestLogs(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
): Promise<LogView[]> {
  const { guest, context } = await readyGuest(deps, caller, ref, 'guest-logs', 'guest_log_list');
  const logs = await guest.guestLogList(context);
  return logs.filter((log) => isAdmin(caller) || log.exposed === true).map(view);
}

/** The guest's action from the request, refusing what cannot be done together. */
export function logAction(request: LogActionRequest): GuestLogAction {
  const on = (flag: boolean | number | undefined): boolean => flag === true || flag === 1;
  const action = {
    logName: request.name,
    enable: on(request.enable),
    disable: on(request.disable),
    publish: on(request.publish),
    discard: on(request.discard),
  };
  if (action.enable && action.disable)
    throw new BadRequest({
      reason: `Log ${request.name} cannot be enabled and disabled in one request: send "enable": 1 or "disable": 1.`,
    });
  return action;
}

/**
 * Acts on one log and answers it. With no flag it is Trove's show (`openstack database log show`).
 * Flags go in the guest's order: enable or disable, then discard, then publish.
 */
export async function actOnGuestLog(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  request: LogActionRequest,
): Promise<LogView> {
  const action = logAction(request);
  const { guest, context } = await readyGuest(deps, caller, ref, 'guest-logs', 'guest_log_action');
  if ((action.publish || action.discard) && !deps.storages)
    throw new BackupStorageNotConfigured({
      reason: 'no backup storage is configured, and guest logs are published to it',
    });
  if (!isAdmin(caller)) {
    const listed = await guest.guestLogList(context);
    const log = listed.find((l) => l.name === request.name);
    if (log?.exposed !== true) {
      const exposed = listed.filter((l) => l.exposed === true).map((l) => l.name);
      throw new NotFound({
        resource: 'Log',
        id: `${request.name} (${exposed.length > 0 ? `the logs of this instance are ${exposed.join(', ')}` : 'this instance exposes no logs'})`,
      });
    }
  }
  return view(await guest.guestLogAction(action, context));
}
