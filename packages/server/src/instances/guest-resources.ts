// What every service on an instance's databases, users and root checks first: the capability
// the datastore declares (501 otherwise), and a running, healthy database with no operation
// under way (422 otherwise). The work itself is the instance's guest's.

import type { ProjectScope } from '../policy/admin-context.js';
import {
  DatastoreOperationNotSupported,
  InstanceNotReady,
  ValidationFailed,
  type Capability,
  type NameRule,
} from '@cellar/plugin-api';
import type { GuestClient, RequestContext } from '@cellar/rpc';
import { guestContext, type Caller, type DatastorePolicy, type InstanceDeps } from './deps.js';
import { loadInstance } from './lookup.js';
import { nameProblems } from './requests.js';
import { statusOf, type InstanceRow } from './views.js';

/** The instance whose database, users or root a service acts on. */
export interface InstanceRef {
  /** The caller's reach: its project, or every project for an admin. */
  readonly tenant: ProjectScope;
  readonly id: string;
}

export interface ReadyGuest {
  readonly row: InstanceRow;
  readonly guest: GuestClient;
  readonly context: RequestContext;
  readonly nameRules: DatastorePolicy['nameRules'];
}

/** The instance and its guest, once `operation` (needing `capability`) may go ahead. */
export async function readyGuest(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  capability: Capability,
  operation: string,
): Promise<ReadyGuest> {
  const row = await loadInstance(deps.db, ref.tenant, ref.id);
  const policy = deps.datastores.get(row.datastore);
  if (!policy?.capabilities.includes(capability))
    throw new DatastoreOperationNotSupported({ operation, datastore: row.datastore });
  const s = statusOf(row, new Date(), deps.heartbeatExpiry);
  if (!['healthy', 'running'].includes(s.effectiveServiceStatus) || row.task_status !== 'NONE') {
    throw new InstanceNotReady({
      id: row.id,
      status:
        s.effectiveServiceStatus === 'healthy'
          ? `busy (task ${row.task_status})`
          : s.effectiveServiceStatus,
    });
  }
  return {
    row,
    guest: deps.guest(row),
    context: guestContext(caller),
    nameRules: policy.nameRules,
  };
}

/** Refuses names that break the datastore's rule, naming each `field[i].name`. */
export function checkNames(
  kind: 'database' | 'user',
  field: string,
  names: readonly string[],
  rule: NameRule | undefined,
  datastore: string,
): void {
  const problems = names.flatMap((name, i) =>
    nameProblems(kind, `${field}[${i}].name`, name, rule, datastore),
  );
  if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });
}

/** `name` or `name@host` (URL-decoded by the router). */
export function userRef(param: string): { name: string; host?: string } {
  const at = param.lastIndexOf('@');
  return at > 0 ? { name: param.slice(0, at), host: param.slice(at + 1) } : { name: param };
}

/** Paging as the guest takes it, from Trove's query parameters. */
export function pageOf(query: { limit?: string | undefined; marker?: string | undefined }): {
  limit?: number;
  marker?: string;
} {
  return {
    ...(query.limit ? { limit: Number(query.limit) } : {}),
    ...(query.marker ? { marker: query.marker } : {}),
  };
}
