// How a backup is shown: Trove's fields (size in GB as a float, datastore while known), then
// Cellar's: the SHA-256, the exact size in bytes, the progress while it runs and the fault when it
// failed. Nothing of the storage's configuration (never a credential) is part of a record.

import type { Backup } from '../db/schema.js';
import { troveTime } from '../instances/views.js';
import { runningBackupStates } from '../instances/states.js';

const GB = 1024 ** 3;

export interface BackupView {
  id: string;
  name: string;
  description: string | null;
  locationRef: string | null;
  instance_id: string;
  created: string | null;
  updated: string | null;
  size: number | null;
  status: string;
  parent_id: string | null;
  project_id: string;
  datastore: { type: string; version: string; version_id: string };
  storage_driver: string;
  checksum: string | null;
  size_bytes: number | null;
  progress?: { bytes: number };
  fault?: { code: string; message: string };
}

export function backupView(row: Backup): BackupView {
  const view: BackupView = {
    id: row.id,
    name: row.name,
    description: row.description === '' ? null : row.description,
    locationRef: row.location,
    instance_id: row.instance_id,
    created: troveTime(row.created_at),
    updated: troveTime(row.updated_at),
    size: row.size === null ? null : row.size / GB,
    status: row.state,
    parent_id: row.parent_id,
    project_id: row.tenant_id,
    datastore: {
      type: row.datastore,
      version: row.datastore_version,
      version_id: row.datastore_version_id,
    },
    storage_driver: row.storage,
    checksum: row.checksum,
    size_bytes: row.size,
  };
  if (runningBackupStates.includes(row.state)) view.progress = { bytes: row.progress ?? 0 };
  if (row.fault_code !== null)
    view.fault = { code: row.fault_code, message: row.fault_message ?? '' };
  return view;
}
