// How an instance is shown: Trove's summary and detail views, with short scalar extensions
// only (OpenStack clients print every field as a cell); operations are shown on their own
// (operation-views.ts).
//
// A list renders these for every row of a page on every request, so they are built as plain
// object literals with properties added in a fixed order (the order clients see), not by
// spreading partial objects: spreads cost a copy each and leave V8 slow dictionary objects.

import type { RecoverableWindowView } from '../backups/recoverable-window.js';
import type { Instance } from '../db/schema.js';
import { resourceLinks, type Link } from '../api/links.js';
import { computeStatus, type ComputedStatus, type StatusInputs } from './status.js';
import type { ServiceStatus } from './states.js';
import {
  replicationFields,
  type ReplicationFields,
  type ReplicationLinks,
  type ReplicationStateView,
} from '../replication/views.js';

/** ISO-8601 with seconds precision and no zone, as Trove writes timestamps. */
export const troveTime = (iso: string | null): string | null =>
  iso === null ? null : iso.slice(0, 19);

export interface InstanceRow extends Pick<
  Instance,
  | 'id'
  | 'name'
  | 'tenant_id'
  | 'flavor_id'
  | 'volume_size'
  | 'datastore_version_id'
  | 'task_status'
  | 'server_status'
  | 'address'
  | 'hostname'
  | 'access'
  | 'locality'
  | 'configuration_id'
  | 'restart_required'
  | 'rpc_key'
  | 'created_at'
  | 'updated_at'
> {
  readonly datastore: string;
  readonly version: string;
  readonly service_status: ServiceStatus;
  readonly service_updated_at: string;
}

/** The columns the summary and detail views read. */
export type ViewedRow = Omit<InstanceRow, 'datastore_version_id' | 'rpc_key'>;

export interface ViewContext {
  readonly base: string;
  readonly tenant: string;
  readonly admin: boolean;
  readonly now: Date;
  readonly heartbeatExpiry: number;
}

export interface InstanceSummaryView {
  id: string;
  name: string;
  status: string;
  operating_status: string;
  links: Link[];
  flavor: { id: string; links: Link[] };
  datastore: { type: string; version: string; version_number?: string };
  region: string;
  access: unknown;
  volume?: { size: number; used?: number };
  hostname?: string;
  ip?: string[];
  addresses?: { address: string; type: 'private' }[];
  tenant_id?: string;
  replica_of?: ReplicationFields['replica_of'];
  replicas?: ReplicationFields['replicas'];
}

export interface InstanceDetailView extends InstanceSummaryView {
  created: string | null;
  updated: string | null;
  service_status_updated: string | null;
  locality?: string;
  fault?: { message: string; created: string | null; details: string };
  password?: string;
  /** Cellar's: the backup an instance was restored from, and the time it was replayed to. */
  restore_point?: RestorePoint;
  /** Cellar's: the times the instance can be restored to, where its datastore archives for it. */
  recoverable_window?: RecoverableWindowView;
  /** Trove's: the configuration group attached. */
  configuration?: { id: string; name: string; links: Link[] };
  replication?: ReplicationStateView;
}

export interface RestorePoint {
  readonly backup_id: string;
  readonly restore_time?: string;
}

export const statusInputs = (row: ViewedRow): StatusInputs => ({
  taskStatus: row.task_status,
  serverStatus: row.server_status,
  serviceStatus: row.service_status,
  serviceUpdatedAt: row.service_updated_at,
  restartRequired: row.restart_required === 1,
});

/** The status inputs of a row, and what they compute to at `now`. */
export function statusOf(
  row: ViewedRow,
  now: Date,
  heartbeatExpiry: number,
): StatusInputs & ComputedStatus {
  const inputs = statusInputs(row);
  const computed = computeStatus(inputs, now, heartbeatExpiry);
  return { ...inputs, ...computed };
}

const ACCESS_CACHE = 1024;
const parsedAccess = new Map<string, unknown>();

/**
 * The `access` column parsed, shared between rows and requests with the same text: there are
 * few distinct values, and parsing one per row was a tenth of a list's cost. Shared values are
 * frozen, since every response that shows them holds the same object.
 */
function accessOf(text: string): unknown {
  let value = parsedAccess.get(text);
  if (value === undefined) {
    if (parsedAccess.size >= ACCESS_CACHE) parsedAccess.clear();
    value = deepFreeze(JSON.parse(text));
    parsedAccess.set(text, value);
  }
  return value;
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export function summaryView(
  row: ViewedRow,
  v: ViewContext,
  replication?: ReplicationLinks,
): InstanceSummaryView {
  const s = computeStatus(statusInputs(row), v.now, v.heartbeatExpiry);
  const view: InstanceSummaryView = {
    id: row.id,
    name: row.name,
    status: s.status,
    operating_status: s.operatingStatus,
    links: resourceLinks(v.base, v.tenant, 'instances', row.id),
    flavor: { id: row.flavor_id, links: resourceLinks(v.base, v.tenant, 'flavors', row.flavor_id) },
    datastore: { type: row.datastore, version: row.version },
    region: 'RegionOne',
    access: accessOf(row.access),
  };
  if (row.volume_size !== null) view.volume = { size: row.volume_size };
  if (row.hostname) {
    view.hostname = row.hostname;
  } else if (row.address) {
    view.ip = [row.address];
    view.addresses = [{ address: row.address, type: 'private' }];
  }
  if (v.admin) view.tenant_id = row.tenant_id;
  Object.assign(view, replicationFields(replication, v.base, v.tenant));
  return view;
}

export interface DetailExtras {
  readonly fault?: {
    readonly message: string;
    readonly created_at: string;
    readonly details: string;
  };
  readonly volumeUsed?: number;
  readonly password?: string | undefined;
  readonly restorePoint?: RestorePoint | undefined;
  readonly recoverableWindow?: RecoverableWindowView | undefined;
  readonly configuration?: { readonly id: string; readonly name: string } | undefined;
  readonly replicationLinks?: ReplicationLinks | undefined;
  readonly replication?: ReplicationStateView | undefined;
}

/** The summary with the detail's fields; `datastore` and `volume` are replaced where they stand. */
export function detailView(
  row: ViewedRow,
  v: ViewContext,
  extras: DetailExtras,
): InstanceDetailView {
  const view: InstanceDetailView = Object.assign(summaryView(row, v, extras.replicationLinks), {
    created: troveTime(row.created_at),
    updated: troveTime(row.updated_at),
    service_status_updated: troveTime(row.service_updated_at),
  });
  view.datastore = { type: row.datastore, version: row.version, version_number: row.version };
  if (view.volume !== undefined && extras.volumeUsed !== undefined)
    view.volume = { size: view.volume.size, used: extras.volumeUsed };
  if (row.locality) view.locality = row.locality;
  if (extras.fault)
    view.fault = {
      message: extras.fault.message,
      created: troveTime(extras.fault.created_at),
      details: v.admin ? extras.fault.details : '',
    };
  if (extras.password !== undefined) view.password = extras.password;
  if (extras.restorePoint !== undefined) view.restore_point = extras.restorePoint;
  if (extras.recoverableWindow !== undefined) view.recoverable_window = extras.recoverableWindow;
  if (extras.configuration !== undefined)
    view.configuration = {
      id: extras.configuration.id,
      name: extras.configuration.name,
      links: resourceLinks(v.base, v.tenant, 'configurations', extras.configuration.id),
    };
  if (extras.replication !== undefined) view.replication = extras.replication;
  return view;
}
