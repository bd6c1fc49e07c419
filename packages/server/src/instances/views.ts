// How an instance is shown: Trove's summary and detail views, plus Cellar's `operation`
// extension in the detail: the current (or last) operation with its step timeline.

import type { Instance } from '../db/schema.js';
import { resourceLinks } from '../api/links.js';
import type { Timeline } from '../taskmanager/operations.js';
import { computeStatus, type ComputedStatus, type StatusInputs } from './status.js';

/** ISO-8601 with seconds precision and no zone, as Trove writes timestamps. */
export const troveTime = (iso: string | null): string | null => (iso === null ? null : iso.slice(0, 19));

export interface InstanceRow
  extends Pick<
    Instance,
    'id' | 'name' | 'tenant_id' | 'flavor_id' | 'volume_size' | 'datastore_version_id' | 'task_status' | 'server_status' | 'address' | 'hostname' | 'access' | 'locality' | 'rpc_key' | 'created_at' | 'updated_at'
  > {
  readonly datastore: string;
  readonly version: string;
  readonly service_status: string;
  readonly service_updated_at: string;
}

export interface ViewContext {
  readonly base: string;
  readonly tenant: string;
  readonly admin: boolean;
  readonly now: Date;
  readonly heartbeatExpiry: number;
}

/** The status inputs of a row, and what they compute to at `now`. */
export function statusOf(row: InstanceRow, now: Date, heartbeatExpiry: number): StatusInputs & ComputedStatus {
  const inputs: StatusInputs = { taskStatus: row.task_status, serverStatus: row.server_status, serviceStatus: row.service_status, serviceUpdatedAt: row.service_updated_at };
  return { ...inputs, ...computeStatus(inputs, now, heartbeatExpiry) };
}

export function summaryView(row: InstanceRow, v: ViewContext): Record<string, unknown> {
  const s = statusOf(row, v.now, v.heartbeatExpiry);
  return {
    id: row.id,
    name: row.name,
    status: s.status,
    operating_status: s.operatingStatus,
    links: resourceLinks(v.base, v.tenant, 'instances', row.id),
    flavor: { id: row.flavor_id, links: resourceLinks(v.base, v.tenant, 'flavors', row.flavor_id) },
    datastore: { type: row.datastore, version: row.version },
    region: 'RegionOne',
    access: JSON.parse(row.access) as unknown,
    ...(row.volume_size === null ? {} : { volume: { size: row.volume_size } }),
    ...(row.hostname ? { hostname: row.hostname } : row.address ? { ip: [row.address], addresses: [{ address: row.address, type: 'private' }] } : {}),
    ...(v.admin ? { tenant_id: row.tenant_id } : {}),
  };
}

export interface DetailExtras {
  readonly fault?: { readonly message: string; readonly created_at: string; readonly details: string };
  readonly timeline?: Timeline;
  readonly volumeUsed?: number;
  readonly password?: string;
}

export function detailView(row: InstanceRow, v: ViewContext, extras: DetailExtras): Record<string, unknown> {
  const summary = summaryView(row, v);
  const timeline = extras.timeline;
  return {
    ...summary,
    datastore: { type: row.datastore, version: row.version, version_number: row.version },
    created: troveTime(row.created_at),
    updated: troveTime(row.updated_at),
    service_status_updated: troveTime(row.service_updated_at),
    ...(row.volume_size === null ? {} : { volume: { size: row.volume_size, ...(extras.volumeUsed === undefined ? {} : { used: extras.volumeUsed }) } }),
    ...(row.locality ? { locality: row.locality } : {}),
    ...(extras.fault ? { fault: { message: extras.fault.message, created: troveTime(extras.fault.created_at), details: v.admin ? extras.fault.details : '' } } : {}),
    ...(timeline
      ? {
          operation: {
            id: timeline.operation.id,
            kind: timeline.operation.kind,
            status: timeline.operation.status,
            started: troveTime(timeline.operation.created_at),
            updated: troveTime(timeline.operation.updated_at),
            ...(timeline.operation.error_code ? { error: { code: timeline.operation.error_code, message: timeline.operation.error_message } } : {}),
            steps: timeline.steps.map((st) => ({
              name: st.name,
              status: st.status,
              started: troveTime(st.started_at),
              ended: troveTime(st.ended_at),
              ...(st.error_code ? { error: { code: st.error_code, message: st.error_message } } : {}),
            })),
          },
        }
      : {}),
    ...(extras.password === undefined ? {} : { password: extras.password }),
  };
}
