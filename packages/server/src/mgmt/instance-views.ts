// How the management API shows an instance: Trove's MgmtInstanceView (the detail view with the
// owner project, the server, the deletion and the task) and, for one instance, its root history
// and the operation timeline that is Cellar's history of what was done to it.

import type { OperationView } from '../instances/operation-views.js';
import { serviceStatusView } from '../instances/status.js';
import {
  detailView,
  troveTime,
  type DetailExtras,
  type InstanceDetailView,
  type ViewContext,
} from '../instances/views.js';
import type { MgmtInstanceRow } from './instance-rows.js';

export interface MgmtInstanceView extends InstanceDetailView {
  server_id: string;
  server: {
    id: string;
    name: string;
    status: string;
    tenant_id: string;
    deleted: boolean;
    deleted_at: string | null;
  };
  service_status: string;
  tenant_id: string;
  deleted: boolean;
  deleted_at: string | null;
  task_description: string;
}

export interface MgmtInstanceDetailView extends MgmtInstanceView {
  /** When root was first enabled, and by whom (Trove's); absent when never. */
  root_enabled?: string | null;
  root_enabled_by?: string;
  guest_status: { state_description: string };
  /** Cellar's: every operation on the instance, newest first, with its steps. */
  history: OperationView[];
}

/** The management list's view of an instance; `v.admin` is true here. */
export function mgmtInstanceView(
  row: MgmtInstanceRow,
  v: ViewContext,
  extras: DetailExtras = {},
): MgmtInstanceView {
  const deleted = row.deleted_at !== null;
  const deletedAt = troveTime(row.deleted_at);
  return Object.assign(detailView(row, v, extras), {
    // The local and simulated drivers name an instance's server by the instance's id.
    server_id: row.id,
    server: {
      id: row.id,
      name: row.hostname ?? row.name,
      status: row.server_status,
      tenant_id: row.tenant_id,
      deleted,
      deleted_at: deletedAt,
    },
    service_status: serviceStatusView[row.service_status],
    tenant_id: row.tenant_id,
    deleted,
    deleted_at: deletedAt,
    task_description: row.task_status,
  });
}

export interface RootRecord {
  readonly created_at: string;
  readonly user_id: string;
}

/** One instance's management view, with its root history and its operation timeline. */
export function mgmtInstanceDetailView(
  row: MgmtInstanceRow,
  v: ViewContext,
  extras: DetailExtras,
  root: RootRecord | undefined,
  history: OperationView[],
): MgmtInstanceDetailView {
  const view: MgmtInstanceDetailView = Object.assign(mgmtInstanceView(row, v, extras), {
    guest_status: { state_description: row.service_status },
    history,
  });
  if (root) {
    view.root_enabled = troveTime(root.created_at);
    view.root_enabled_by = root.user_id;
  }
  return view;
}
